import type { MetricStore } from './metric-store';
import { putMetricData } from './put-metric-data';
import { getMetricData, getMetricStatistics, listMetrics } from './read-metrics';
import { parseRequest, type OperationName } from './requests';

/** One handler per CloudWatch operation: validate the request, call the model. Handlers know nothing about HTTP. */

export type OperationHandler = (body: unknown) => object;

export function createOperationHandlers(store: MetricStore, now: () => Date): Record<OperationName, OperationHandler> {
  return {
    PutMetricData: (body) => putMetricData(store, parseRequest('PutMetricData', body), now()),
    GetMetricData: (body) => getMetricData(store, parseRequest('GetMetricData', body)),
    GetMetricStatistics: (body) => getMetricStatistics(store, parseRequest('GetMetricStatistics', body)),
    ListMetrics: (body) => listMetrics(store, parseRequest('ListMetrics', body), now()),
  };
}
