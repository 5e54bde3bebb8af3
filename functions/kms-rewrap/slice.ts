import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import { DEADLINE_RESERVE_MS, type Deadline } from '../shared/deadline';
import { SYSTEM_CLOCK, type PacerClock } from '../shared/write-pacer';
import type { RewrapAudit } from './audit';
import {
  ZERO_COUNTS,
  addCounts,
  fromCheckpointKey,
  initialCheckpoint,
  keyOf,
  nextPass,
  toCheckpointKey,
  withRefused,
  type DynamoKey,
} from './checkpoint';
import {
  DEFAULT_SCAN_PAGE_SIZE,
  RewrapAuditEventType,
  SLICE_SAFETY_MARGIN_MS,
  type RefusedItem,
  type RewrapCheckpoint,
  type RewrapCounts,
  type RewrapProgress,
  type RewrapRequest,
  type RewrapSummary,
} from './contract';
import { estimateProgress } from './eta';
import { CiphertextAttributeMissingError, RewrapCheckpointMismatchError, RewrapItemsRefusedError } from './errors';
import type { SliceEvent } from './input';
import { JobBackoff, type BackoffSettings } from './kms-backoff';
import { resolveAllowedSources, resolveTargetKey, targetKeyUsable } from './kms-keys';
import { publishRewrapProgress } from './metrics';
import { rewrapPace, rewrapPacer, type RewrapPace } from './pace';
import { SliceTimeUp, pacedReEncrypt } from './paced-reencrypt';
import { rewrapItem, type ItemContext, type ItemOutcome } from './rewrap-item';
import { hasCiphertextAttribute } from './stored-ciphertext';
import { describeRewrapTable, type RewrapTable } from './table';

/**
 * One slice of a re-wrap job: from the checkpoint it is given, Scan page after page and settle every item
 * (rewrapItem), until the table is done or the invocation's time is nearly up, and answer with the next
 * checkpoint. The checkpoint only ever moves past items that are settled, so a slice that crashes is
 * repeated from the checkpoint before it, which is harmless: an item it already re-wrapped is under the
 * target's current material and counts as already current.
 */

export interface RewrapHooks {
  /** Between an item's ReEncrypt and its conditional write (a test's application writing just then). */
  readonly beforeWrite?: (key: DynamoKey) => Promise<void>;
  /** After each item is settled, with the count settled in this slice; a test throws here to crash the slice. */
  readonly afterItem?: (settledInSlice: number) => void | Promise<void>;
}

export interface RewrapDeps {
  readonly dynamodb: DynamoDBClient;
  /** Built to make one attempt per call (clients.ts): the job backs off and counts throttles itself. */
  readonly kms: KMSClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly audit: RewrapAudit;
  /** When this invocation must have answered. */
  readonly deadline: Deadline;
  /** Time and sleeping, for pacing and backing off. @default the system's */
  readonly clock?: PacerClock;
  readonly backoff?: BackoffSettings;
  /** Integers in [0, n), for the backoff's jitter. @default node:crypto randomInt */
  readonly random?: (n: number) => number;
  readonly hooks?: RewrapHooks;
  /** No more items than this in one slice (several slices without waiting on time). @default no limit */
  readonly maxItemsPerSlice?: number;
  /** Time kept back at the end of the invocation. @default SLICE_SAFETY_MARGIN_MS */
  readonly safetyMarginMs?: number;
  /** Progress metrics are published after a page once this long passed since the last time. @default 60 s */
  readonly progressIntervalMs?: number;
}

const DEFAULT_PROGRESS_INTERVAL_MS = 60_000;
/** A target key found usable is not asked about again for this long. */
const TARGET_RECHECK_MS = 30_000;

export async function runRewrapSlice(event: SliceEvent, deps: RewrapDeps): Promise<RewrapProgress> {
  const clock = deps.clock ?? SYSTEM_CLOCK;
  const now = () => new Date(clock.nowMs());
  const { request } = event;
  const table = await describeRewrapTable(deps.dynamodb, request);
  const pace = rewrapPace(request);
  let checkpoint = event.checkpoint ?? (await startJob(event, table, pace, deps, now()));
  if (checkpoint.tableName !== request.tableName) {
    throw new RewrapCheckpointMismatchError(
      `the checkpoint is of table ${checkpoint.tableName}, the request names ${request.tableName}`,
    );
  }
  deps.logger.appendKeys({ jobId: event.jobId, tableName: request.tableName });
  if (checkpoint.scanComplete) return finished(event, checkpoint, table, deps, now(), false);

  // A function with a short timeout still makes progress: it keeps back at most a quarter of its time.
  const margin = Math.min(deps.safetyMarginMs ?? SLICE_SAFETY_MARGIN_MS, deps.deadline.remainingMs() / 4);
  const latestMs = clock.nowMs() + deps.deadline.remainingMs() - DEADLINE_RESERVE_MS;
  const backoff = new JobBackoff(() => clock.nowMs(), deps.backoff, deps.random);
  const pacer = rewrapPacer(pace, clock);
  const events = { throttled: 0, conflictsRetried: 0 };
  let started = 0;
  let settledInSlice = 0;
  let stop = false;
  const canStart = () =>
    !stop &&
    deps.deadline.remainingMs() > margin &&
    (deps.maxItemsPerSlice === undefined || started < deps.maxItemsPerSlice);

  const item = itemContext(request, table, checkpoint, deps, {
    clock,
    latestMs,
    pacer,
    backoff,
    onThrottle: () => (events.throttled += 1),
    onConflict: () => (events.conflictsRetried += 1),
  });

  let unpublished: RewrapCounts = ZERO_COUNTS;
  let lastPublishedMs = clock.nowMs();
  let firstPageOfJob = checkpoint.pass === 1 && checkpoint.lastEvaluatedKey === null && checkpoint.counts.scanned === 0;
  while (!checkpoint.scanComplete && canStart()) {
    const page = await deps.dynamodb.send(
      new ScanCommand({
        TableName: request.tableName,
        Limit: request.pageSize ?? DEFAULT_SCAN_PAGE_SIZE,
        ExclusiveStartKey: checkpoint.lastEvaluatedKey ? fromCheckpointKey(checkpoint.lastEvaluatedKey) : undefined,
        ...((request.totalSegments ?? 1) > 1
          ? { Segment: request.segment ?? 0, TotalSegments: request.totalSegments }
          : {}),
      }),
    );
    const items = page.Items ?? [];
    if (
      firstPageOfJob &&
      items.length > 0 &&
      !items.some((i) => hasCiphertextAttribute(i, request.ciphertextAttribute))
    ) {
      throw new CiphertextAttributeMissingError(
        `no item of the first page of ${request.tableName} (${items.length}) has ${request.ciphertextAttribute} ` +
          'as binary or a string: is the attribute name right? Nothing was changed',
      );
    }
    firstPageOfJob = false;

    const { outcomes, timeUp } = await settlePage(items, item, pace.concurrency, {
      canStart,
      started: () => (started += 1),
      settled: async () => {
        settledInSlice += 1;
        await deps.hooks?.afterItem?.(settledInSlice);
      },
    });
    if (timeUp) stop = true;

    // Only a settled prefix of the page counts; the checkpoint moves to its last item.
    let settled = 0;
    while (settled < items.length && outcomes[settled] !== undefined) settled += 1;
    const delta = { ...tally(outcomes.slice(0, settled)), ...events };
    events.throttled = 0;
    events.conflictsRetried = 0;
    const refusedNow = refusedItems(items, outcomes, settled, table.keyNames);
    for (const refused of refusedNow)
      deps.logger.warn('item left as it was', { key: refused.key, error: refused.error });

    const complete = settled === items.length;
    const nextKey: DynamoKey | undefined = complete
      ? page.LastEvaluatedKey
      : settled > 0
        ? keyOf(items[settled - 1] as Record<string, AttributeValue>, table.keyNames)
        : undefined;
    checkpoint = {
      ...checkpoint,
      ...materialSeen(checkpoint, outcomes),
      counts: addCounts(checkpoint.counts, delta),
      lastEvaluatedKey: nextKey ? toCheckpointKey(nextKey) : complete ? null : checkpoint.lastEvaluatedKey,
      scanComplete: complete && page.LastEvaluatedKey === undefined,
      refusedSample: withRefused(checkpoint.refusedSample, refusedNow),
    };
    unpublished = addCounts(unpublished, delta);

    const changed = materialChange(checkpoint, outcomes);
    if (changed !== undefined) {
      deps.logger.warn('the target key was rotated during the job: the scan starts over', {
        pass: checkpoint.pass + 1,
      });
      checkpoint = nextPass(checkpoint, changed, now());
      firstPageOfJob = false;
      break;
    }
    if (clock.nowMs() - lastPublishedMs >= (deps.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS)) {
      publishRewrapProgress(deps.metrics, request.tableName, unpublished, estimateOf(checkpoint, table, clock));
      unpublished = ZERO_COUNTS;
      lastPublishedMs = clock.nowMs();
    }
  }

  publishRewrapProgress(deps.metrics, request.tableName, unpublished, estimateOf(checkpoint, table, clock));
  if (checkpoint.scanComplete) return finished(event, checkpoint, table, deps, now(), true);
  deps.logger.info('re-wrap slice done', { counts: checkpoint.counts, pass: checkpoint.pass });
  return { done: false, itemsRefused: false, checkpoint, estimate: estimateOf(checkpoint, table, clock) };
}

/** The first slice: resolve the keys, record the start. */
async function startJob(
  event: SliceEvent,
  table: RewrapTable,
  pace: RewrapPace,
  deps: RewrapDeps,
  now: Date,
): Promise<RewrapCheckpoint> {
  const { request } = event;
  const targetKeyArn = await resolveTargetKey(deps.kms, request.targetKeyId);
  const allowedSourceKeyIds = await resolveAllowedSources(deps.kms, request.allowedSourceKeyIds);
  const checkpoint = initialCheckpoint({ tableName: request.tableName, targetKeyArn, allowedSourceKeyIds }, now);
  await deps.audit.record(
    RewrapAuditEventType.Started,
    {
      jobId: event.jobId,
      executionArn: event.jobId,
      tableName: request.tableName,
      targetKeyArn,
      allowedSourceKeyIds,
      ciphertextAttribute: request.ciphertextAttribute,
      encryptionContextKeys: Object.keys(request.encryptionContext ?? {}),
      callsPerSecond: pace.callsPerSecond,
      concurrency: pace.concurrency,
      segment: request.segment ?? 0,
      totalSegments: request.totalSegments ?? 1,
      approximateItems: Math.round(table.approximateItems),
    },
    [table.tableArn, targetKeyArn],
  );
  return checkpoint;
}

/** The scan is complete: the summary, the audit event (once, when the slice completed it), the verdict. */
async function finished(
  event: SliceEvent,
  checkpoint: RewrapCheckpoint,
  table: RewrapTable,
  deps: RewrapDeps,
  now: Date,
  justCompleted: boolean,
): Promise<RewrapProgress> {
  const summary: RewrapSummary = {
    jobId: event.jobId,
    tableName: checkpoint.tableName,
    targetKeyArn: checkpoint.targetKeyArn,
    targetKeyMaterialId: checkpoint.targetKeyMaterialId,
    materialCheck: checkpoint.materialCheck,
    counts: checkpoint.counts,
    passes: checkpoint.pass,
    startedAt: checkpoint.startedAt,
    finishedAt: now.toISOString(),
    refusedSample: checkpoint.refusedSample,
  };
  if (justCompleted) {
    await deps.audit.record(RewrapAuditEventType.Completed, { ...summary, executionArn: event.jobId }, [
      table.tableArn,
      checkpoint.targetKeyArn,
    ]);
    deps.logger.info('re-wrap job done', { counts: checkpoint.counts, passes: checkpoint.pass });
  }
  const { refused, scanned } = checkpoint.counts;
  const verdict =
    refused > 0
      ? {
          error: new RewrapItemsRefusedError('').name,
          cause:
            `${refused} of ${scanned} items of ${checkpoint.tableName} were left as they were ` +
            `(${reasonsOf(checkpoint.refusedSample)}); the rest are under ${checkpoint.targetKeyArn}. ` +
            'The RewrapCompleted audit event names the first of them.',
        }
      : undefined;
  return {
    done: true,
    itemsRefused: refused > 0,
    checkpoint,
    estimate: { itemsRemaining: 0, percentComplete: 100, secondsLeft: 0 },
    verdict,
    summary,
  };
}

function reasonsOf(sample: readonly RefusedItem[]): string {
  const byError = new Map<string, number>();
  for (const item of sample) byError.set(item.error, (byError.get(item.error) ?? 0) + 1);
  return [...byError].map(([error, n]) => `${error} ×${n}`).join(', ') || 'no sample';
}

function estimateOf(checkpoint: RewrapCheckpoint, table: RewrapTable, clock: PacerClock) {
  return estimateProgress({
    scanned: checkpoint.counts.scanned,
    approximateItems: table.approximateItems,
    elapsedMs: clock.nowMs() - Date.parse(checkpoint.passStartedAt),
    done: checkpoint.scanComplete,
  });
}

interface SliceMachinery {
  readonly clock: PacerClock;
  readonly latestMs: number;
  readonly pacer: ReturnType<typeof rewrapPacer>;
  readonly backoff: JobBackoff;
  readonly onThrottle: () => void;
  readonly onConflict: () => void;
}

function itemContext(
  request: RewrapRequest,
  table: RewrapTable,
  checkpoint: RewrapCheckpoint,
  deps: RewrapDeps,
  machinery: SliceMachinery,
): ItemContext {
  let targetCheck: { readonly atMs: number; readonly problem: Promise<string | undefined> } | undefined;
  return {
    dynamodb: deps.dynamodb,
    tableName: request.tableName,
    keyNames: table.keyNames,
    ciphertextAttribute: request.ciphertextAttribute,
    encryptionContext: request.encryptionContext,
    targetKeyArn: checkpoint.targetKeyArn,
    allowedSourceKeyIds: new Set(checkpoint.allowedSourceKeyIds),
    reEncrypt: (input) =>
      pacedReEncrypt(
        {
          kms: deps.kms,
          pacer: machinery.pacer,
          backoff: machinery.backoff,
          clock: machinery.clock,
          latestMs: machinery.latestMs,
          onThrottle: machinery.onThrottle,
        },
        input,
      ),
    targetKeyProblem: () => {
      const nowMs = machinery.clock.nowMs();
      if (targetCheck === undefined || nowMs - targetCheck.atMs > TARGET_RECHECK_MS) {
        targetCheck = { atMs: nowMs, problem: targetKeyUsable(deps.kms, checkpoint.targetKeyArn) };
      }
      return targetCheck.problem;
    },
    onConflict: machinery.onConflict,
    beforeWrite: deps.hooks?.beforeWrite,
  };
}

interface PageControl {
  canStart(): boolean;
  started(): void;
  settled(): Promise<void>;
}

/**
 * Settles a page's items, `concurrency` at a time, in order of the page; stops starting items when told.
 * Items in flight always finish (or are given up when the slice's time runs out: `timeUp`). Any other
 * error stops the page once the items in flight are done, and is thrown.
 */
async function settlePage(
  items: readonly Record<string, AttributeValue>[],
  ctx: ItemContext,
  concurrency: number,
  control: PageControl,
): Promise<{ outcomes: (ItemOutcome | undefined)[]; timeUp: boolean }> {
  const outcomes = new Array<ItemOutcome | undefined>(items.length).fill(undefined);
  let next = 0;
  let timeUp = false;
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && !timeUp && next < items.length && control.canStart()) {
      const index = next++;
      control.started();
      try {
        outcomes[index] = await rewrapItem(items[index] as Record<string, AttributeValue>, ctx);
        await control.settled();
      } catch (error) {
        if (error instanceof SliceTimeUp) timeUp = true;
        else failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
  return { outcomes, timeUp };
}

function tally(outcomes: readonly (ItemOutcome | undefined)[]): RewrapCounts {
  const counts = { ...ZERO_COUNTS };
  for (const outcome of outcomes) {
    if (outcome === undefined) continue;
    counts.scanned += 1;
    counts[outcome.kind] += 1;
  }
  return counts;
}

function refusedItems(
  items: readonly Record<string, AttributeValue>[],
  outcomes: readonly (ItemOutcome | undefined)[],
  settled: number,
  keyNames: readonly string[],
): RefusedItem[] {
  const refused: RefusedItem[] = [];
  for (let i = 0; i < settled; i++) {
    const outcome = outcomes[i];
    if (outcome?.kind !== 'refused') continue;
    refused.push({
      key: toCheckpointKey(keyOf(items[i] as Record<string, AttributeValue>, keyNames)),
      error: outcome.error,
    });
  }
  return refused;
}

function destinationMaterials(outcomes: readonly (ItemOutcome | undefined)[]): (string | undefined)[] {
  return outcomes.flatMap((o) =>
    o?.kind === 'rewrapped' || o?.kind === 'alreadyCurrent' ? [o.destinationMaterialId] : [],
  );
}

/** The target's material and how items are checked, from the first ReEncrypt that reported (or did not). */
function materialSeen(
  checkpoint: RewrapCheckpoint,
  outcomes: readonly (ItemOutcome | undefined)[],
): Pick<RewrapCheckpoint, 'targetKeyMaterialId' | 'materialCheck'> {
  if (checkpoint.materialCheck !== null) return checkpoint;
  const seen = destinationMaterials(outcomes);
  if (seen.length === 0) return checkpoint;
  const first = seen.find((id) => id !== undefined);
  return first === undefined
    ? { targetKeyMaterialId: null, materialCheck: 'key-id' }
    : { targetKeyMaterialId: first, materialCheck: 'key-material' };
}

/** A material the target key has now that differs from the job's: it was rotated mid-job. */
function materialChange(
  checkpoint: RewrapCheckpoint,
  outcomes: readonly (ItemOutcome | undefined)[],
): string | undefined {
  if (checkpoint.targetKeyMaterialId === null) return undefined;
  return destinationMaterials(outcomes).find((id) => id !== undefined && id !== checkpoint.targetKeyMaterialId);
}
