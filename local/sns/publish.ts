import { invalidParameter } from './errors';
import { attributeBytes, parseMessageAttributes } from './message-attributes';
import type { QueryParams } from '../http/query-params';
import type { MessageAttribute } from './state';

/**
 * Publish's request, checked as SNS checks it: a topic to publish to (TopicArn, or a topic ARN
 * as TargetArn), a non-empty Message of at most 256 KiB counting the message attributes, an
 * optional Subject of 1 to 100 printable ASCII characters, MessageStructure `json` with a
 * `default` entry. Phone numbers and platform endpoints are not emulated and are refused.
 */

/** 256 KiB: the message and all parts of its attributes together. */
export const MAX_MESSAGE_BYTES = 262_144;
/** AWS documents "less than 100 characters" but accepts exactly 100. */
const MAX_SUBJECT_CHARS = 100;
/** Printable ASCII, not starting with a space: no line breaks or control characters. */
const SUBJECT = /^[\x21-\x7e][\x20-\x7e]*$/;
const TOPIC_ARN_PREFIX = /^arn:aws[\w-]*:sns:/;

export interface PublishRequest {
  readonly topicArn: string;
  /** The parameter the topic came in: errors about a malformed ARN name it. */
  readonly topicParameter: 'TopicArn' | 'TargetArn';
  readonly message: string;
  readonly subject?: string;
  readonly messageStructure?: 'json';
  readonly attributes: Readonly<Record<string, MessageAttribute>>;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
}

export function parsePublish(params: QueryParams): PublishRequest {
  const target = publishTarget(params);
  const message = params.get('Message') ?? '';
  if (message === '') throw invalidParameter('Empty message');
  const subject = params.get('Subject');
  if (subject !== undefined && (subject.length > MAX_SUBJECT_CHARS || !SUBJECT.test(subject))) {
    throw invalidParameter('Subject');
  }
  const structure = params.get('MessageStructure');
  if (structure !== undefined && structure !== 'json') throw invalidParameter('MessageStructure');
  if (structure === 'json') checkJsonStructure(message);
  const attributes = parseMessageAttributes(params);
  const size =
    Buffer.byteLength(message) +
    Object.entries(attributes).reduce((total, [name, attribute]) => total + attributeBytes(name, attribute), 0);
  if (size > MAX_MESSAGE_BYTES) throw invalidParameter('Message too long');
  const messageGroupId = params.get('MessageGroupId');
  const messageDeduplicationId = params.get('MessageDeduplicationId');
  return {
    ...target,
    message,
    attributes,
    ...(subject === undefined ? {} : { subject }),
    ...(structure === 'json' ? { messageStructure: 'json' as const } : {}),
    ...(messageGroupId === undefined ? {} : { messageGroupId }),
    ...(messageDeduplicationId === undefined ? {} : { messageDeduplicationId }),
  };
}

function publishTarget(params: QueryParams): Pick<PublishRequest, 'topicArn' | 'topicParameter'> {
  const topicArn = params.get('TopicArn');
  const targetArn = params.get('TargetArn');
  if (params.get('PhoneNumber') !== undefined) {
    throw invalidParameter('PhoneNumber Reason: SMS is not supported by the local SNS');
  }
  if (topicArn && targetArn) throw invalidParameter('TopicArn or TargetArn Reason: both were given');
  if (topicArn) return { topicArn, topicParameter: 'TopicArn' };
  if (targetArn) {
    if (!TOPIC_ARN_PREFIX.test(targetArn)) {
      throw invalidParameter('TargetArn Reason: the local SNS publishes to topics only');
    }
    return { topicArn: targetArn, topicParameter: 'TargetArn' };
  }
  throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
}

function checkJsonStructure(message: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  if (!isObject || typeof (parsed as Record<string, unknown>).default !== 'string') {
    throw invalidParameter('Message Structure - No default entry in JSON message body');
  }
}
