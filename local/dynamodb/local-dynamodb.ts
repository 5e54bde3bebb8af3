import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { closeServer, listenOnLoopback } from '../http/listen';

/**
 * A local DynamoDB: the npm emulator dynalite (DynamoDB's JSON protocol on LevelDB's in-memory
 * store, with DynamoDB's validation, conditional writes atomic per item, Scan pagination and
 * DescribeTable), listening on a free loopback port. Point an unmodified DynamoDBClient at
 * `endpoint`, or set AWS_ENDPOINT_URL_DYNAMODB (startLocalStack({ dynamodb: true }) does).
 *
 * Not emulated by dynalite (so not here either): ReturnValuesOnConditionCheckFailure (a failed
 * condition returns no item), transactions, PartiQL, streams, TTL expiry, and throttling.
 */

export interface LocalDynamoDbOptions {
  /** @default 0 (a free port, chosen by the system: parallel test workers never collide) */
  readonly port?: number;
  /**
   * Milliseconds a new table stays CREATING before it is ACTIVE (and likewise DELETING, UPDATING).
   * DynamoDB takes seconds; 0 makes fixtures quick, a value above it exercises code that waits.
   * @default 0
   */
  readonly tableStatusMs?: number;
}

export interface LocalDynamoDb {
  /** Base URL for `new DynamoDBClient({ endpoint })` or AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  readonly port: number;
  /** Stops listening, closes open connections and drops every table (the store is in memory). */
  stop(): Promise<void>;
}

export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const statusMs = options.tableStatusMs ?? 0;
  const server: Server = dynalite({ createTableMs: statusMs, deleteTableMs: statusMs, updateTableMs: statusMs });
  const endpoint = await listenOnLoopback(server, options.port ?? 0);
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    stop: () => (stopping ??= closeServer(server)),
  };
}
