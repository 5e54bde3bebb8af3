import { paginate } from '../http/pagination';
import { resourceNotFound, validationException } from './errors';
import { logGroupOfTarget } from './log-group-delivery';
import { putEvents, type EntryFault, type PutEventsContext } from './put-events';
import { parseRequest, type OperationName } from './requests';
import { createEventBusResponse, describeEventBusResponse, eventBusListEntry } from './responses';

/**
 * One handler per EventBridge operation: validate the request, call the model, shape the
 * response. Handlers know nothing about HTTP; a planned per-entry fault reaches PutEvents only.
 */

export type OperationHandler = (body: unknown, entryFault?: EntryFault) => object;

const DEFAULT_LIST_LIMIT = 100;

export function createOperationHandlers(context: PutEventsContext): Record<OperationName, OperationHandler> {
  const { state } = context;
  return {
    CreateEventBus(body) {
      const request = parseRequest('CreateEventBus', body);
      if (request.EventSourceName !== undefined) {
        // Partner event buses need a partner event source; none exists locally.
        throw resourceNotFound(`Event source ${request.EventSourceName} does not exist.`);
      }
      const bus = state.createBus({
        name: request.Name,
        description: request.Description,
        kmsKeyIdentifier: request.KmsKeyIdentifier,
        deadLetterConfig: request.DeadLetterConfig,
        logConfig: request.LogConfig,
        tags: request.Tags ?? [],
      });
      return createEventBusResponse(bus);
    },
    DescribeEventBus(body) {
      const request = parseRequest('DescribeEventBus', body);
      return describeEventBusResponse(state.describeBus(request.Name));
    },
    DeleteEventBus(body) {
      const name = parseRequest('DeleteEventBus', body).Name;
      state.deleteBus(name);
      context.rules.deleteBus(name);
      return {};
    },
    ListEventBuses(body) {
      const request = parseRequest('ListEventBuses', body);
      const page = paginate(
        state.listBuses(request.NamePrefix),
        request.Limit ?? DEFAULT_LIST_LIMIT,
        request.NextToken,
        { prefix: request.NamePrefix },
        () => validationException('The NextToken value is not valid for this request.'),
      );
      return {
        EventBuses: page.items.map(eventBusListEntry),
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    },
    PutEvents(body, entryFault) {
      const request = parseRequest('PutEvents', body);
      if (request.EndpointId !== undefined) {
        throw validationException('Global endpoints (EndpointId) are not supported by the local EventBridge.');
      }
      return putEvents(request, context, entryFault);
    },
    PutRule(body) {
      const request = parseRequest('PutRule', body);
      if (request.ScheduleExpression !== undefined) {
        throw validationException('Scheduled rules (ScheduleExpression) are not supported by the local EventBridge.');
      }
      if (request.EventPattern === undefined) {
        throw validationException('Parameter(s) EventPattern or ScheduleExpression must be specified.');
      }
      const bus = state.describeBus(request.EventBusName);
      const ruleArn = context.rules.put({
        name: request.Name,
        busName: bus.name,
        eventPattern: request.EventPattern,
        state: request.State ?? 'ENABLED',
        description: request.Description,
      });
      return { RuleArn: ruleArn };
    },
    PutTargets(body) {
      const request = parseRequest('PutTargets', body);
      const bus = state.describeBus(request.EventBusName);
      const deliverable = request.Targets.filter((target) => logGroupOfTarget(target.Arn) !== undefined);
      context.rules.putTargets(
        bus.name,
        request.Rule,
        deliverable.map((target) => ({ id: target.Id, arn: target.Arn })),
      );
      const failed = request.Targets.filter((target) => logGroupOfTarget(target.Arn) === undefined).map((target) => ({
        TargetId: target.Id,
        ErrorCode: 'ValidationException',
        ErrorMessage: 'The local EventBridge delivers to CloudWatch Logs log group targets only.',
      }));
      return { FailedEntryCount: failed.length, FailedEntries: failed };
    },
  };
}
