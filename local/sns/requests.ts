import { invalidParameter, SnsError } from './errors';
import type { QueryParams } from '../http/query-params';
import type { Tag } from './state';

/**
 * Requests of the topic operations, read from awsQuery parameters and checked as SNS checks
 * them (InvalidParameter, `Invalid parameter: <what>`). Publish has its own module.
 * Features the local service cannot honour are refused rather than silently ignored.
 */

export const OPERATION_NAMES = ['CreateTopic', 'DeleteTopic', 'ListTopics', 'Publish'] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

export function isOperationName(name: string): name is OperationName {
  return (OPERATION_NAMES as readonly string[]).includes(name);
}

const MAX_TAGS = 50;

/** Topic attributes CreateTopic accepts (FIFO topics are not emulated). */
const TOPIC_ATTRIBUTES = new Set([
  'ArchivePolicy',
  'DeliveryPolicy',
  'DisplayName',
  'FifoTopic',
  'KmsMasterKeyId',
  'Policy',
  'SignatureVersion',
  'TracingConfig',
]);

export interface CreateTopicRequest {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Absent when the request carries no tags (then existing tags are not compared). */
  readonly tags?: readonly Tag[];
}

export function parseCreateTopic(params: QueryParams): CreateTopicRequest {
  // The name's rules are the model's (SnsState.createTopic).
  const name = params.get('Name') ?? '';
  if (params.get('DataProtectionPolicy') !== undefined) {
    throw invalidParameter('DataProtectionPolicy Reason: data protection is not supported by the local SNS');
  }
  const attributes: Record<string, string> = {};
  for (const entry of params.groups('Attributes.entry')) {
    const key = entry.get('key') ?? '';
    if (!TOPIC_ATTRIBUTES.has(key)) throw invalidParameter(`Attributes Reason: Unknown attribute ${key || '(empty)'}`);
    attributes[key] = entry.get('value') ?? '';
  }
  if (attributes.FifoTopic !== undefined && attributes.FifoTopic !== 'false') {
    throw invalidParameter('Attributes Reason: FIFO topics are not supported by the local SNS');
  }
  const tagGroups = params.groups('Tags.member');
  if (tagGroups.length > MAX_TAGS) {
    throw new SnsError('TagLimitExceeded', 'Could not complete request: tag quota of per resource exceeded');
  }
  const tags = tagGroups.map((group): Tag => {
    const key = group.get('Key') ?? '';
    const value = group.get('Value') ?? '';
    if (key.length < 1 || key.length > 128)
      throw invalidParameter('Tags Reason: a tag key must be 1 to 128 characters');
    if (value.length > 256) throw invalidParameter('Tags Reason: a tag value must be at most 256 characters');
    return { Key: key, Value: value };
  });
  return { name, attributes, ...(tagGroups.length > 0 ? { tags } : {}) };
}

export function parseDeleteTopic(params: QueryParams): { readonly topicArn: string } {
  const topicArn = params.get('TopicArn');
  if (!topicArn) throw invalidParameter('TopicArn');
  return { topicArn };
}

export function parseListTopics(params: QueryParams): { readonly nextToken?: string } {
  const nextToken = params.get('NextToken');
  return nextToken === undefined ? {} : { nextToken };
}
