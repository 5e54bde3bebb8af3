import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  REFUSED_SAMPLE_SIZE,
  type CheckpointKey,
  type CheckpointKeyValue,
  type RefusedItem,
  type RewrapCheckpoint,
  type RewrapCounts,
} from './contract';
import { InvalidRewrapRequestError } from './errors';

/**
 * The checkpoint a slice hands back: plain JSON for the state machine (DynamoDB keys with binary parts in
 * base64), counts that add up, and a bounded sample of refused items. Never a ciphertext.
 */

export type DynamoKey = Record<string, AttributeValue>;

export const ZERO_COUNTS: RewrapCounts = {
  scanned: 0,
  rewrapped: 0,
  alreadyCurrent: 0,
  skippedDeleted: 0,
  refused: 0,
  conflictsRetried: 0,
  throttled: 0,
};

export function addCounts(a: RewrapCounts, b: Partial<RewrapCounts>): RewrapCounts {
  return {
    scanned: a.scanned + (b.scanned ?? 0),
    rewrapped: a.rewrapped + (b.rewrapped ?? 0),
    alreadyCurrent: a.alreadyCurrent + (b.alreadyCurrent ?? 0),
    skippedDeleted: a.skippedDeleted + (b.skippedDeleted ?? 0),
    refused: a.refused + (b.refused ?? 0),
    conflictsRetried: a.conflictsRetried + (b.conflictsRetried ?? 0),
    throttled: a.throttled + (b.throttled ?? 0),
  };
}

/** The key attributes of `item` (which DynamoDB guarantees every item has). */
export function keyOf(item: DynamoKey, keyNames: readonly string[]): DynamoKey {
  const key: DynamoKey = {};
  for (const name of keyNames) {
    const value = item[name];
    if (value === undefined) throw new InvalidRewrapRequestError(`an item has no key attribute ${name}`);
    key[name] = value;
  }
  return key;
}

/** A DynamoDB key as JSON (key attributes are strings, numbers or binary: scalar types only). */
export function toCheckpointKey(key: DynamoKey): CheckpointKey {
  const out: Record<string, CheckpointKeyValue> = {};
  for (const [name, value] of Object.entries(key)) {
    if (value.S !== undefined) out[name] = { S: value.S };
    else if (value.N !== undefined) out[name] = { N: value.N };
    else if (value.B !== undefined) out[name] = { B: Buffer.from(value.B).toString('base64') };
    else throw new InvalidRewrapRequestError(`key attribute ${name} is not a string, number or binary`);
  }
  return out;
}

export function fromCheckpointKey(key: CheckpointKey): DynamoKey {
  const out: DynamoKey = {};
  for (const [name, value] of Object.entries(key)) {
    if ('S' in value) out[name] = { S: value.S };
    else if ('N' in value) out[name] = { N: value.N };
    else out[name] = { B: Buffer.from(value.B, 'base64') };
  }
  return out;
}

/** The first refused items, in the order they were met, at most REFUSED_SAMPLE_SIZE. */
export function withRefused(sample: readonly RefusedItem[], more: readonly RefusedItem[]): RefusedItem[] {
  return [...sample, ...more].slice(0, REFUSED_SAMPLE_SIZE);
}

export interface JobIdentity {
  readonly tableName: string;
  readonly targetKeyArn: string;
  readonly allowedSourceKeyIds: readonly string[];
}

/** A new job's checkpoint: nothing scanned, the keys resolved. */
export function initialCheckpoint(identity: JobIdentity, now: Date): RewrapCheckpoint {
  return {
    tableName: identity.tableName,
    lastEvaluatedKey: null,
    scanComplete: false,
    counts: ZERO_COUNTS,
    startedAt: now.toISOString(),
    passStartedAt: now.toISOString(),
    pass: 1,
    targetKeyArn: identity.targetKeyArn,
    targetKeyMaterialId: null,
    materialCheck: null,
    allowedSourceKeyIds: [...identity.allowedSourceKeyIds],
    refusedSample: [],
  };
}

/**
 * The checkpoint of a new pass: the target key's material changed under the job (it was rotated), so items
 * re-wrapped before are under older material. The scan starts over; items already re-wrapped to the new
 * material will count as already current. Throttles and conflicts keep adding up across passes.
 */
export function nextPass(checkpoint: RewrapCheckpoint, materialId: string, now: Date): RewrapCheckpoint {
  return {
    ...checkpoint,
    lastEvaluatedKey: null,
    scanComplete: false,
    counts: {
      ...ZERO_COUNTS,
      conflictsRetried: checkpoint.counts.conflictsRetried,
      throttled: checkpoint.counts.throttled,
    },
    passStartedAt: now.toISOString(),
    pass: checkpoint.pass + 1,
    targetKeyMaterialId: materialId,
    refusedSample: [],
  };
}
