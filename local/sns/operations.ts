import { randomUUID } from 'node:crypto';
import { paginate } from '../http/pagination';
import { invalidParameter } from './errors';
import { parsePublish } from './publish';
import type { QueryParams } from '../http/query-params';
import { parseCreateTopic, parseDeleteTopic, parseListTopics, type OperationName } from './requests';
import { createTopicResult, listTopicsResult, publishResult } from './responses';
import type { SnsState } from './state';

/**
 * One handler per SNS action: read and check the parameters, call the model, and return the
 * inner XML of the action's result element (undefined: the action has none). No HTTP here.
 */

export type OperationHandler = (params: QueryParams) => string | undefined;

/** ListTopics returns up to 100 topics per call. */
const LIST_TOPICS_PAGE_SIZE = 100;

export function createOperationHandlers(state: SnsState, now: () => Date): Record<OperationName, OperationHandler> {
  return {
    CreateTopic(params) {
      const request = parseCreateTopic(params);
      return createTopicResult(state.createTopic(request.name, request.attributes, request.tags));
    },
    DeleteTopic(params) {
      state.deleteTopic(parseDeleteTopic(params).topicArn);
      return undefined;
    },
    ListTopics(params) {
      const { nextToken } = parseListTopics(params);
      const page = paginate(state.listTopics(), LIST_TOPICS_PAGE_SIZE, nextToken, 'ListTopics', () =>
        invalidParameter('NextToken'),
      );
      return listTopicsResult(page.items, page.nextToken);
    },
    Publish(params) {
      const request = parsePublish(params);
      const topic = state.topicByArn(request.topicArn, request.topicParameter);
      if (request.messageDeduplicationId !== undefined) {
        throw invalidParameter(
          'MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type',
        );
      }
      const messageId = randomUUID();
      state.record({
        messageId,
        topicArn: topic.arn,
        message: request.message,
        attributes: request.attributes,
        time: now(),
        ...(request.subject === undefined ? {} : { subject: request.subject }),
        ...(request.messageStructure === undefined ? {} : { messageStructure: request.messageStructure }),
        ...(request.messageGroupId === undefined ? {} : { messageGroupId: request.messageGroupId }),
      });
      return publishResult(messageId);
    },
  };
}
