import { paginate } from '../http/pagination';
import { resourceNotFound, validationException } from './errors';
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
      state.deleteBus(parseRequest('DeleteEventBus', body).Name);
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
  };
}
