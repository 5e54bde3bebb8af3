import { invalidParameter, topicNotFound } from './errors';

/**
 * The local SNS's model: topics (by name, in creation order) and every message published to
 * one. Subscriptions and delivery are not emulated: tests read what was published instead.
 */

export interface ServiceLocation {
  readonly region: string;
  readonly accountId: string;
}

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

export interface Topic {
  readonly name: string;
  readonly arn: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly tags: readonly Tag[];
  readonly createdAt: Date;
}

export interface MessageAttribute {
  readonly dataType: string;
  /** For String, String.Array and Number types (and their custom sub-types). */
  readonly stringValue?: string;
  /** For Binary types, decoded. */
  readonly binaryValue?: Uint8Array;
}

/** A message as it was published to a topic. */
export interface PublishedMessage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly message: string;
  readonly subject?: string;
  readonly messageStructure?: 'json';
  readonly attributes: Readonly<Record<string, MessageAttribute>>;
  readonly messageGroupId?: string;
  readonly time: Date;
}

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const TOPIC_ARN = /^arn:aws[\w-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;

export function topicArn(location: ServiceLocation, name: string): string {
  return `arn:aws:sns:${location.region}:${location.accountId}:${name}`;
}

export class SnsState {
  private readonly topics = new Map<string, Topic>();
  private published: PublishedMessage[] = [];

  constructor(
    readonly location: ServiceLocation,
    private readonly now: () => Date,
  ) {}

  /**
   * CreateTopic is idempotent by name: the existing topic comes back, unless the request asks
   * for attributes or tags other than the topic has.
   */
  createTopic(name: string, attributes: Readonly<Record<string, string>>, tags: readonly Tag[] | undefined): Topic {
    if (name.endsWith('.fifo')) {
      throw invalidParameter('Topic Name Reason: FIFO topics are not supported by the local SNS');
    }
    if (!TOPIC_NAME.test(name)) throw invalidParameter('Topic Name');
    const existing = this.topics.get(name);
    if (existing) {
      const differs = Object.entries(attributes).some(([key, value]) => existing.attributes[key] !== value);
      if (differs) throw invalidParameter('Attributes Reason: Topic already exists with different attributes');
      if (tags !== undefined && !sameTags(tags, existing.tags)) {
        throw invalidParameter('Tags Reason: Topic already exists with different tags');
      }
      return existing;
    }
    const topic: Topic = {
      name,
      arn: topicArn(this.location, name),
      attributes: { ...attributes },
      tags: [...(tags ?? [])],
      createdAt: this.now(),
    };
    this.topics.set(name, topic);
    return topic;
  }

  /** The topic an ARN names; a malformed ARN is InvalidParameter, a missing topic NotFound. */
  topicByArn(arn: string, parameter = 'TopicArn'): Topic {
    const topic = this.findTopic(arn, parameter);
    if (!topic) throw topicNotFound();
    return topic;
  }

  /** Deleting a topic that does not exist is not an error (DeleteTopic is idempotent). */
  deleteTopic(arn: string): void {
    const topic = this.findTopic(arn, 'TopicArn');
    if (topic) this.topics.delete(topic.name);
  }

  listTopics(): Topic[] {
    return [...this.topics.values()];
  }

  record(message: PublishedMessage): void {
    this.published.push(message);
  }

  messages(topicArnFilter?: string): PublishedMessage[] {
    return this.published.filter((message) => topicArnFilter === undefined || message.topicArn === topicArnFilter);
  }

  clearMessages(): void {
    this.published = [];
  }

  private findTopic(arn: string, parameter: string): Topic | undefined {
    const match = TOPIC_ARN.exec(arn);
    if (!match) throw invalidParameter(parameter);
    const [, region, accountId, name] = match;
    if (region !== this.location.region || accountId !== this.location.accountId || name === undefined)
      return undefined;
    return this.topics.get(name);
  }
}

function sameTags(a: readonly Tag[], b: readonly Tag[]): boolean {
  const key = (tags: readonly Tag[]) =>
    JSON.stringify(
      [...tags].map((tag) => [tag.Key, tag.Value]).sort(([x = ''], [y = '']) => (x < y ? -1 : x > y ? 1 : 0)),
    );
  return key(a) === key(b);
}
