import { paginate } from '../http/pagination';
import type { QueryParams } from '../http/query-params';
import { invalidParameterValue } from './errors';
import { parseDescribeDBClusters, parseDescribeDBInstances, type OperationName } from './requests';
import { describeDBClustersResult, describeDBInstancesResult } from './responses';
import type { RdsState } from './state';

/** One handler per RDS action: read and check the parameters, ask the model, return the result's inner XML. */
export type OperationHandler = (params: QueryParams) => string;

const invalidMarker = () => invalidParameterValue('The marker is not valid for this request.');

export function createOperationHandlers(state: RdsState): Record<OperationName, OperationHandler> {
  return {
    DescribeDBInstances(params) {
      const request = parseDescribeDBInstances(params);
      const found = state.describeInstances(request.identifier, request.filters);
      const { marker, maxRecords: _maxRecords, ...query } = request;
      const page = paginate(found, request.maxRecords, marker, { op: 'DescribeDBInstances', ...query }, invalidMarker);
      return describeDBInstancesResult(state, page.items, page.nextToken);
    },
    DescribeDBClusters(params) {
      const request = parseDescribeDBClusters(params);
      const found = state.describeClusters(request.identifier, request.filters);
      const { marker, maxRecords: _maxRecords, ...query } = request;
      const page = paginate(found, request.maxRecords, marker, { op: 'DescribeDBClusters', ...query }, invalidMarker);
      return describeDBClustersResult(state, page.items, page.nextToken);
    },
  };
}
