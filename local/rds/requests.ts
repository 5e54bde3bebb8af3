import type { QueryParams } from '../http/query-params';
import { invalidParameterValue } from './errors';

/**
 * Requests of the Describe actions, read from awsQuery parameters (`Filters.Filter.N.Name`,
 * `Filters.Filter.N.Values.Value.M`, `MaxRecords`, `Marker`) and checked as RDS checks them.
 */

export const OPERATION_NAMES = ['DescribeDBInstances', 'DescribeDBClusters'] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

export function isOperationName(name: string): name is OperationName {
  return (OPERATION_NAMES as readonly string[]).includes(name);
}

export const INSTANCE_FILTERS = ['db-cluster-id', 'db-instance-id', 'engine'] as const;
export const CLUSTER_FILTERS = ['db-cluster-id', 'engine'] as const;

export interface DescribeFilter {
  readonly name: string;
  readonly values: readonly string[];
}

export interface DescribeRequest {
  /** DBInstanceIdentifier / DBClusterIdentifier: an identifier or an ARN. */
  readonly identifier?: string;
  readonly filters: readonly DescribeFilter[];
  readonly maxRecords: number;
  readonly marker?: string;
}

const DEFAULT_MAX_RECORDS = 100;

function parseFilters(params: QueryParams, known: readonly string[]): DescribeFilter[] {
  return params.groups('Filters.Filter').map((group) => {
    const name = group.get('Name') ?? '';
    if (!known.includes(name)) throw invalidParameterValue(`Unrecognized filter name: ${name || '(empty)'}`);
    const values = [...group.entries()]
      .filter(([key]) => key.startsWith('Values.Value.'))
      .sort(([a], [b]) => Number(a.slice('Values.Value.'.length)) - Number(b.slice('Values.Value.'.length)))
      .map(([, value]) => value);
    if (values.length === 0) throw invalidParameterValue(`The filter ${name} needs at least one value.`);
    return { name, values };
  });
}

function parseMaxRecords(params: QueryParams): number {
  const text = params.get('MaxRecords');
  if (text === undefined) return DEFAULT_MAX_RECORDS;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 20 || value > 100) {
    throw invalidParameterValue(`Invalid value ${text} for MaxRecords. Must be between 20 and 100`);
  }
  return value;
}

function parseDescribe(params: QueryParams, identifierParameter: string, known: readonly string[]): DescribeRequest {
  const identifier = params.get(identifierParameter);
  const marker = params.get('Marker');
  return {
    ...(identifier === undefined || identifier === '' ? {} : { identifier }),
    filters: parseFilters(params, known),
    maxRecords: parseMaxRecords(params),
    ...(marker === undefined ? {} : { marker }),
  };
}

export const parseDescribeDBInstances = (params: QueryParams) =>
  parseDescribe(params, 'DBInstanceIdentifier', INSTANCE_FILTERS);
export const parseDescribeDBClusters = (params: QueryParams) =>
  parseDescribe(params, 'DBClusterIdentifier', CLUSTER_FILTERS);
