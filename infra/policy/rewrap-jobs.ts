import { z } from 'zod';
import { rewrapRequestSchema } from '../../functions/kms-rewrap/input';
import {
  DEFAULT_KMS_CRYPTO_QUOTA_PER_SECOND,
  DEFAULT_REWRAP_QUOTA_FRACTION,
  MAX_REWRAP_QUOTA_FRACTION,
  type RewrapRequest,
} from '../../functions/kms-rewrap/contract';
import { kmsKeyArn, schedule } from './fields';

/**
 * A `kms-key` entry's `rewrap` jobs: DynamoDB tables whose wrapped data keys keyturn re-wraps (ReEncrypt) under the
 * key's current material after it changed (docs/kms-rewrap.md). Written as the policy names things; checked by the
 * job's own request schema (functions/kms-rewrap/input.ts), so the policy accepts exactly what the job runs.
 */

/** Parallel scan segments a job may ask for: one execution each, started at once. */
export const MAX_REWRAP_SEGMENTS = 64;
/** Jobs per key entry (each trigger starts all of them, each segment an execution). */
export const MAX_REWRAP_JOBS_PER_KEY = 10;

/** The policy's name for each request field it lets the user write (the rest the infrastructure fills). */
const POLICY_NAME: Readonly<Record<string, string>> = {
  tableName: 'table',
  key: 'key',
  ciphertextAttribute: 'ciphertextAttribute',
  encryptionContext: 'encryptionContext',
  allowedSourceKeyIds: 'allowedSourceKeys',
  quotaPerSecond: 'quotaPerSecond',
  fraction: 'fraction',
  totalSegments: 'segments',
};

export const rewrapJobSchema = z
  .strictObject({
    /** The DynamoDB table, in the stack's account and Region. */
    table: z.string(),
    /** The table's key attribute names, as its key schema has them. */
    key: z.strictObject({ partition: z.string(), sort: z.optional(z.string()) }),
    /** The attribute holding each wrapped data key (binary, or a base64 string). */
    ciphertextAttribute: z.string(),
    /** Encryption context key → the item attribute holding its value. @default none */
    encryptionContext: z.optional(z.record(z.string(), z.string())),
    /**
     * Keys, by ARN, whose ciphertexts the job may re-wrap besides the entry's own key and the key a replacement
     * moved its alias off (both always allowed). By ARN: IAM grants `kms:ReEncryptFrom` on exactly these.
     * @default none
     */
    allowedSourceKeys: z.optional(z.array(kmsKeyArn).max(98)),
    /** The account's symmetric cryptographic request quota in the Region, requests/s. @default 10,000 */
    quotaPerSecond: z.optional(z.number()),
    /** The share of that quota this job may use, above 0, at most 0.5. @default 0.1 */
    fraction: z.optional(z.number()),
    /** Parallel scan segments: one execution each, each at its share of the pace. @default 1 */
    /**
     * Also run the job on this schedule (besides each change of the key), to catch what a missed event left:
     * items already current are only read. @default none
     */
    schedule: z.optional(schedule),
    segments: z.optional(
      z
        .int()
        .min(1, { error: (i) => `must be at least 1, got ${String(i.input)}` })
        .max(MAX_REWRAP_SEGMENTS, {
          error: (i) =>
            `must be at most ${MAX_REWRAP_SEGMENTS} (one execution each, all started at once), got ${String(i.input)}`,
        }),
    ),
  })
  .superRefine((job, ctx) => {
    // The request this job becomes, with a stand-in target (the infrastructure names the real one).
    const parsed = rewrapRequestSchema.safeParse(requestOf(job, 'alias/keyturn-policy-check', []));
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      const [first, ...rest] = issue.path.map(String);
      const field = first === undefined ? undefined : POLICY_NAME[first];
      const path = field === undefined ? [] : [field, ...rest];
      ctx.addIssue({ code: 'custom', path, message: `${messageOf(issue)}${shown(valueAt(job, path))}` });
    }
  });

export type RewrapJobInput = z.input<typeof rewrapJobSchema>;
export type RewrapJob = z.output<typeof rewrapJobSchema>;

/** A job with its defaults applied: what the constructs build from. */
export interface ResolvedRewrapJob {
  readonly tableName: string;
  readonly key: { readonly partition: string; readonly sort?: string };
  readonly ciphertextAttribute: string;
  readonly encryptionContext?: Readonly<Record<string, string>>;
  /** The policy's extra source keys (ARNs); the entry's key and a replacement's old key are added when it runs. */
  readonly allowedSourceKeyArns: readonly string[];
  readonly quotaPerSecond: number;
  readonly fraction: number;
  readonly segments: number;
  /** When an operator's schedule also starts the job (UTC), besides each change of the key. */
  readonly schedule?: { readonly expression: string; readonly window: string };
}

/** How long after its due time a scheduled job may start, unless its schedule says (a FLEXIBLE window). */
export const DEFAULT_REWRAP_SCHEDULE_WINDOW = '1h';

export function resolveRewrapJob(job: RewrapJob): ResolvedRewrapJob {
  return {
    tableName: job.table,
    key: job.key.sort === undefined ? { partition: job.key.partition } : job.key,
    ciphertextAttribute: job.ciphertextAttribute,
    ...(job.encryptionContext === undefined ? {} : { encryptionContext: job.encryptionContext }),
    allowedSourceKeyArns: job.allowedSourceKeys ?? [],
    quotaPerSecond: job.quotaPerSecond ?? DEFAULT_KMS_CRYPTO_QUOTA_PER_SECOND,
    fraction: job.fraction ?? DEFAULT_REWRAP_QUOTA_FRACTION,
    segments: job.segments ?? 1,
    ...(job.schedule === undefined
      ? {}
      : {
          schedule: {
            expression: job.schedule.expression,
            window: job.schedule.window ?? DEFAULT_REWRAP_SCHEDULE_WINDOW,
          },
        }),
  };
}

/** The state machine's input for one segment of `job` (what the starter sends; checked at synthesis). */
export function rewrapRequestOf(
  job: ResolvedRewrapJob,
  targetKeyId: string,
  sourceKeyIds: readonly string[],
  segment: number,
): RewrapRequest {
  return {
    tableName: job.tableName,
    key: job.key,
    ciphertextAttribute: job.ciphertextAttribute,
    targetKeyId,
    allowedSourceKeyIds: [...new Set([...sourceKeyIds, ...job.allowedSourceKeyArns])],
    ...(job.encryptionContext === undefined ? {} : { encryptionContext: job.encryptionContext }),
    quotaPerSecond: job.quotaPerSecond,
    fraction: job.fraction,
    segment,
    totalSegments: job.segments,
  };
}

/**
 * Problems of an entry's jobs taken together: the same table and attribute twice (two jobs would race on every
 * item), and fractions that add up to more than the job's limit (one trigger starts them all at once).
 */
export function rewrapJobsIssues(jobs: readonly RewrapJob[]): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const seen = new Map<string, number>();
  jobs.forEach((job, index) => {
    const id = `${job.table}/${job.ciphertextAttribute}`;
    const first = seen.get(id);
    if (first !== undefined) {
      issues.push({
        path: [index, 'table'],
        message: `rewrap[${first}] already re-wraps ${job.ciphertextAttribute} of table "${job.table}": one job per attribute`,
      });
    } else seen.set(id, index);
  });
  // A fraction out of range is its job's own finding: the sum counts the valid ones.
  const valid = (fraction: number): boolean => fraction > 0 && fraction <= MAX_REWRAP_QUOTA_FRACTION;
  const total = jobs
    .map((job) => job.fraction ?? DEFAULT_REWRAP_QUOTA_FRACTION)
    .filter(valid)
    .reduce((sum, fraction) => sum + fraction, 0);
  if (total > MAX_REWRAP_QUOTA_FRACTION + 1e-9) {
    issues.push({
      path: [],
      message:
        `the jobs' fractions add up to ${Number(total.toFixed(4))} of the account's KMS quota, more than ` +
        `${MAX_REWRAP_QUOTA_FRACTION}: they all start together when the key changes; lower them`,
    });
  }
  return issues;
}

function requestOf(job: RewrapJob, targetKeyId: string, sourceKeyIds: readonly string[]): unknown {
  return {
    tableName: job.table,
    key: job.key,
    ciphertextAttribute: job.ciphertextAttribute,
    targetKeyId,
    allowedSourceKeyIds: [...sourceKeyIds, ...(job.allowedSourceKeys ?? []), targetKeyId],
    encryptionContext: job.encryptionContext,
    quotaPerSecond: job.quotaPerSecond,
    fraction: job.fraction,
    segment: 0,
    // Fewer than one segment is the policy's own finding (the request would add "segment must be below").
    totalSegments: job.segments !== undefined && job.segments >= 1 ? job.segments : undefined,
  };
}

/** The request schema's message, said the policy's way (field names as the policy writes them). */
function messageOf(issue: z.core.$ZodIssue): string {
  let message = issue.message;
  for (const [requestName, policyName] of Object.entries(POLICY_NAME)) {
    message = message.replaceAll(requestName, policyName);
  }
  if (issue.code === 'too_big') return `must be at most ${String(issue.maximum)}`;
  if (issue.code === 'too_small') return `must be at least ${String(issue.minimum)}`;
  return message;
}

function valueAt(job: RewrapJob, path: readonly string[]): unknown {
  let value: unknown = job;
  for (const part of path) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}

/** `, got <value>` for a scalar (table and attribute names, numbers: none is a secret). */
function shown(value: unknown): string {
  if (typeof value === 'string') return `, got "${value}"`;
  if (typeof value === 'number') return `, got ${value}`;
  return '';
}
