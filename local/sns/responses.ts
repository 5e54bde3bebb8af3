import type { Topic } from './state';
import { element } from './xml';

/** The inner XML of each action's `<ActionResult>` (absent for DeleteTopic). */

export function createTopicResult(topic: Topic): string {
  return element('TopicArn', topic.arn);
}

export function listTopicsResult(topics: readonly Topic[], nextToken: string | undefined): string {
  const members = topics.map((topic) => `<member>${element('TopicArn', topic.arn)}</member>`).join('');
  return `<Topics>${members}</Topics>${nextToken === undefined ? '' : element('NextToken', nextToken)}`;
}

export function publishResult(messageId: string): string {
  return element('MessageId', messageId);
}
