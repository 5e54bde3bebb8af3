import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RewrapRequest } from './contract';
import { KeySchemaMismatchError, RewrapTableNotFoundError } from './errors';

/** What a slice needs to know of the table, read once per slice with DescribeTable. */
export interface RewrapTable {
  readonly tableArn: string;
  /** The key attribute names, partition key first. */
  readonly keyNames: readonly string[];
  /** DescribeTable's ItemCount (refreshed about every six hours) for this job's segment. */
  readonly approximateItems: number;
}

export async function describeRewrapTable(dynamodb: DynamoDBClient, request: RewrapRequest): Promise<RewrapTable> {
  let table;
  try {
    table = (await dynamodb.send(new DescribeTableCommand({ TableName: request.tableName }))).Table;
  } catch (error) {
    if ((error as Error | undefined)?.name === 'ResourceNotFoundException') {
      throw new RewrapTableNotFoundError(`table ${request.tableName} does not exist in this account and Region`);
    }
    throw error;
  }
  if (table === undefined)
    throw new RewrapTableNotFoundError(`DescribeTable returned nothing for ${request.tableName}`);
  const partition = table.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const sort = table.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (partition !== request.key.partition || sort !== request.key.sort) {
    throw new KeySchemaMismatchError(
      `table ${request.tableName} has the key (${partition ?? '?'}${sort === undefined ? '' : `, ${sort}`}), ` +
        `the request names (${request.key.partition}${request.key.sort === undefined ? '' : `, ${request.key.sort}`})`,
    );
  }
  return {
    tableArn: table.TableArn ?? request.tableName,
    keyNames: sort === undefined ? [partition] : [partition, sort],
    approximateItems: (table.ItemCount ?? 0) / (request.totalSegments ?? 1),
  };
}
