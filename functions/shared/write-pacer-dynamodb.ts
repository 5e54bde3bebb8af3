import type { AttributeValue, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { KeyturnError } from './errors';
import type { PacerStore, SlotAnswer, SlotRequest } from './write-pacer';

/**
 * The write schedule in a DynamoDB table, shared by every rotation function of the region: one item per
 * region (partition key {@link PACER_TABLE_KEY}), holding the schedule's next theoretical arrival time in
 * {@link PACER_TAT_ATTRIBUTE} (ms since the epoch). A reservation is one conditional UpdateItem, so two
 * functions never take the same slot and nobody reads, computes and writes back:
 *
 * - the schedule is busy (`tat >= now`): `SET tat = tat + interval` if the slot it gives is not past the
 *   caller's deadline (`tat <= latest + tolerance`); the new `tat` says which slot was taken;
 * - the schedule is idle or new (`tat < now`, or no item): `SET tat = now + interval`, the slot is now.
 *
 * A failed condition returns the item (ReturnValuesOnConditionCheckFailure), which says which case holds, or
 * whether the caller would wait too long; a lost race just tries the other case again.
 *
 * `@aws-sdk/client-dynamodb` is loaded on first use: it ships as a bundle of its own beside the function's
 * `index.js` (infra/constructs/bundling-options.ts), so invocations that write nothing never load it.
 */

export const PACER_TABLE_KEY = 'region';
export const PACER_TAT_ATTRIBUTE = 'tat';

/** Reservations that kept losing races to others (each loss means another writer got a slot). */
export class WritePacerContentionError extends KeyturnError {
  readonly name = 'WritePacerContentionError';
}

const MAX_ATTEMPTS = 8;

type Item = Record<string, AttributeValue>;

export class DynamoDbPacerStore implements PacerStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async reserve(request: SlotRequest): Promise<SlotAnswer> {
    if (request.latestSlotMs < request.nowMs) return { reserved: false, earliestSlotMs: request.nowMs };
    const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    const key = { [PACER_TABLE_KEY]: { S: request.key } };
    const names = { '#tat': PACER_TAT_ATTRIBUTE };
    const number = (value: number): AttributeValue => ({ N: String(value) });
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      // Busy schedule: take the slot after the last one reserved.
      const busy = await this.conditional(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #tat = #tat + :interval',
          ConditionExpression: '#tat >= :now AND #tat <= :latestTat',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':interval': number(request.intervalMs),
            ':now': number(request.nowMs),
            ':latestTat': number(request.latestSlotMs + request.toleranceMs),
          },
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      if (busy.updated) {
        const nextTat = tatOf(busy.item);
        if (nextTat === undefined)
          throw new WritePacerContentionError(`${this.tableName} returned no ${PACER_TAT_ATTRIBUTE}`);
        const slotMs = Math.max(request.nowMs, nextTat - request.intervalMs - request.toleranceMs);
        return { reserved: true, slotMs };
      }
      const tat = tatOf(busy.item);
      if (tat !== undefined && tat >= request.nowMs) {
        // Busy, but its next slot is past the deadline (or `tat` moved between the two checks: try again).
        const earliestSlotMs = Math.max(request.nowMs, tat - request.toleranceMs);
        if (earliestSlotMs > request.latestSlotMs) return { reserved: false, earliestSlotMs };
        continue;
      }
      // Idle (or never used): the slot is now.
      const idle = await this.conditional(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #tat = :nextTat',
          ConditionExpression: 'attribute_not_exists(#tat) OR #tat < :now',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':nextTat': number(request.nowMs + request.intervalMs),
            ':now': number(request.nowMs),
          },
        }),
      );
      if (idle.updated) return { reserved: true, slotMs: request.nowMs };
      // Someone reserved in between: the schedule is busy now.
    }
    throw new WritePacerContentionError(
      `no write slot reserved in ${this.tableName} after ${MAX_ATTEMPTS} attempts: others kept taking the schedule between two checks`,
    );
  }

  /** Sends a conditional update: `updated` with the returned attributes, or not, with the item as it was. */
  private async conditional(command: UpdateItemCommand): Promise<{ readonly updated: boolean; readonly item?: Item }> {
    try {
      const output = await this.client.send(command);
      return { updated: true, item: output.Attributes };
    } catch (error) {
      if ((error as Error | undefined)?.name !== 'ConditionalCheckFailedException') throw error;
      return { updated: false, item: (error as { Item?: Item }).Item };
    }
  }
}

function tatOf(item: Item | undefined): number | undefined {
  const raw = item?.[PACER_TAT_ATTRIBUTE]?.N;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * The rotation function's store: the DynamoDB client is imported and built on the first reservation (one per
 * cold start); the endpoint comes from the environment like every other client's.
 */
export function lazyDynamoDbPacerStore(tableName: string): PacerStore {
  let store: Promise<DynamoDbPacerStore> | undefined;
  const load = () =>
    (store ??= import('@aws-sdk/client-dynamodb').then(
      ({ DynamoDBClient }) => new DynamoDbPacerStore(new DynamoDBClient({}), tableName),
      (error: unknown) => {
        store = undefined; // a later write tries again
        throw new WritePacerContentionError(
          `the DynamoDB SDK cannot be loaded in this function: ${(error as Error).message}`,
        );
      },
    ));
  return { reserve: async (request) => (await load()).reserve(request) };
}
