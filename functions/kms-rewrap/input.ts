import * as z from 'zod/mini';
import { describeIssues } from '../shared/validation';
import {
  MAX_REWRAP_CONCURRENCY,
  MAX_REWRAP_QUOTA_FRACTION,
  MAX_SCAN_PAGE_SIZE,
  type RewrapCheckpoint,
  type RewrapRequest,
} from './contract';
import { InvalidRewrapRequestError } from './errors';

/**
 * The re-wrap function's events, as the state machine sends them, validated with zod. Messages name the
 * field and what is wrong with it, never its value.
 */

/** A KMS key id (`1234abcd-...`, `mrk-...`), key ARN, alias name (`alias/...`) or alias ARN. */
export const KMS_KEY_REFERENCE =
  /^(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key\/[A-Za-z0-9-]{1,64}|alias\/[A-Za-z0-9/_-]{1,250})|alias\/[A-Za-z0-9/_-]{1,250}|(?:mrk-)?[A-Za-z0-9-]{1,64})$/;
// DynamoDB's table names: 3-255 characters of [a-zA-Z0-9_.-].
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

const matching = (pattern: RegExp, what: string) => z.string().check(z.refine((value) => pattern.test(value), what));
const attributeName = z.string().check(z.minLength(1), z.maxLength(255));
const keyReference = matching(KMS_KEY_REFERENCE, 'must be a KMS key id, key ARN, alias name or alias ARN');
const count = z.int().check(z.minimum(0));
const isoTime = z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time'));

/**
 * The job's request (the state machine's execution input). Exported as the one definition the policy's re-wrap
 * jobs are checked against (infra/policy/rewrap-jobs.ts), so the policy cannot accept what the job refuses.
 */
export const rewrapRequestSchema = z
  .object({
    tableName: matching(TABLE_NAME, 'must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)'),
    key: z.object({ partition: attributeName, sort: z.optional(attributeName) }),
    ciphertextAttribute: attributeName,
    targetKeyId: keyReference,
    allowedSourceKeyIds: z.array(keyReference).check(z.minLength(1), z.maxLength(100)),
    encryptionContext: z.optional(
      z
        .record(z.string().check(z.minLength(1), z.maxLength(256)), attributeName)
        .check(z.refine((mapping) => Object.keys(mapping).length <= 16, 'must map at most 16 context keys')),
    ),
    quotaPerSecond: z.optional(
      z.number().check(z.refine((q) => q > 0 && q <= 1_000_000, 'must be more than 0 requests/s, at most 1,000,000')),
    ),
    fraction: z.optional(
      z
        .number()
        .check(
          z.refine(
            (f) => f > 0 && f <= MAX_REWRAP_QUOTA_FRACTION,
            `must be more than 0 and at most ${MAX_REWRAP_QUOTA_FRACTION}`,
          ),
        ),
    ),
    pageSize: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_SCAN_PAGE_SIZE))),
    segment: z.optional(count),
    totalSegments: z.optional(z.int().check(z.minimum(1), z.maximum(1_000_000))),
    concurrency: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_REWRAP_CONCURRENCY))),
  })
  .check(
    z.refine(
      (request) => (request.segment ?? 0) < (request.totalSegments ?? 1),
      'segment must be below totalSegments (segments count from 0)',
    ),
    z.refine(
      (request) =>
        request.ciphertextAttribute !== request.key.partition && request.ciphertextAttribute !== request.key.sort,
      'ciphertextAttribute must not be a key attribute',
    ),
  );

const keyValue = z.union([z.object({ S: z.string() }), z.object({ N: z.string() }), z.object({ B: z.string() })]);
const checkpointKey = z.record(attributeName, keyValue);

const countsSchema = z.object({
  scanned: count,
  rewrapped: count,
  alreadyCurrent: count,
  skippedDeleted: count,
  refused: count,
  conflictsRetried: count,
  throttled: count,
});

const checkpointSchema = z.object({
  tableName: z.string(),
  lastEvaluatedKey: z.nullable(checkpointKey),
  scanComplete: z.boolean(),
  counts: countsSchema,
  startedAt: isoTime,
  passStartedAt: isoTime,
  pass: z.int().check(z.minimum(1)),
  targetKeyArn: z.string().check(z.minLength(1)),
  targetKeyMaterialId: z.nullable(z.string()),
  materialCheck: z.nullable(z.enum(['key-material', 'key-id'])),
  allowedSourceKeyIds: z.array(z.string()),
  refusedSample: z.array(z.object({ key: checkpointKey, error: z.string() })),
});

const jobId = z.string().check(z.minLength(1), z.maxLength(2048));

const sliceEvent = z.object({
  task: z.literal('slice'),
  request: rewrapRequestSchema,
  /** `{}` before the first slice; then the last slice's answer (only its checkpoint is read). */
  progress: z.object({ checkpoint: z.optional(checkpointSchema) }),
  jobId,
});

const failureReportEvent = z.object({
  task: z.literal('report-failure'),
  /** Read loosely: the failure may be that the request itself is invalid. */
  request: z.object({ tableName: z.optional(z.string()) }),
  progress: z.object({ checkpoint: z.optional(checkpointSchema) }),
  jobId,
  failure: z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) }),
});

export interface SliceEvent {
  readonly task: 'slice';
  readonly request: RewrapRequest;
  readonly checkpoint?: RewrapCheckpoint;
  /** The execution ARN: the job's id in audit events and logs. */
  readonly jobId: string;
}

export interface FailureReportEvent {
  readonly task: 'report-failure';
  readonly tableName?: string;
  readonly checkpoint?: RewrapCheckpoint;
  readonly jobId: string;
  readonly error: string;
  readonly cause?: string;
}

export type RewrapEvent = SliceEvent | FailureReportEvent;

function parse<T>(schema: z.ZodMiniType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new InvalidRewrapRequestError(`invalid ${what} (${describeIssues(result.error.issues, 'input')})`);
  }
  return result.data;
}

/** The request alone (the state machine's execution input). */
export function parseRewrapRequest(input: unknown): RewrapRequest {
  return parse(rewrapRequestSchema, input, 're-wrap request');
}

/** One of the function's two events: `slice` (work until the time is up) or `report-failure`. */
export function parseRewrapEvent(input: unknown): RewrapEvent {
  const task = (input as { task?: unknown } | null)?.task;
  if (task === 'report-failure') {
    const event = parse(failureReportEvent, input, 're-wrap failure report');
    return {
      task: 'report-failure',
      tableName: event.request.tableName,
      checkpoint: event.progress.checkpoint,
      jobId: event.jobId,
      error: event.failure.Error ?? 'UnknownError',
      cause: event.failure.Cause,
    };
  }
  if (task !== 'slice') {
    throw new InvalidRewrapRequestError('invalid re-wrap event (task: must be "slice" or "report-failure")');
  }
  const event = parse(sliceEvent, input, 're-wrap slice input');
  return { task: 'slice', request: event.request, checkpoint: event.progress.checkpoint, jobId: event.jobId };
}
