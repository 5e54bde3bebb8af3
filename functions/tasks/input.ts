import * as z from 'zod/mini';
import {
  LIFECYCLE_TRIGGERS,
  WATCH_PHASES,
  type LifecycleRequest,
  type RotationRun,
} from '../shared/lifecycle-contract';
import { describeIssues } from '../shared/validation';
import { consumerSettingsSchema } from './consumer-settings-schema';
import type { CanaryAbortInput } from './canary-abort';
import type { CanaryCheckInput } from './canary-check';
import type { CanaryStartInput } from './canary-start';
import type { DrainInput } from './drain';
import { InvalidRequestError, InvalidTaskInputError } from './errors';
import type { PlanInput } from './dry-run-plan';
import type { PreflightInput } from './preflight';
import type { ReplicaSyncInput } from './replica-sync';
import type { RevokeInput } from './revoke';
import type { RollbackInput } from './rollback';
import type { VerifyInput } from './verify';
import type { ReinstateInput } from './reinstate';
import type { WatchInput } from './watch-auth-failures';

const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const secretArn = text(2048);
const arn = text(2048);
// Secrets Manager version ids are the rotation tokens: 32 to 64 characters.
const versionId = z.string().check(z.minLength(32), z.maxLength(64));
const isoTime = z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time'));
const trigger = z.enum(LIFECYCLE_TRIGGERS);

export const requestSchema = z.object({
  secretArn,
  trigger,
  entryId: z.optional(text(128)),
  scheduledTime: z.optional(isoTime),
  alertTopicArn: z.optional(arn),
  reason: z.optional(text(1024)),
  fleetExecutionArn: z.optional(arn),
  dryRun: z.optional(z.boolean()),
});

const runSchema = z.object({
  id: versionId,
  executionArn: arn,
  startedAt: isoTime,
  trigger,
  emergency: z.boolean(),
  functionArn: arn,
  entryId: z.optional(text(128)),
  scheduledTime: z.optional(isoTime),
  alertTopicArn: z.optional(arn),
  reason: z.optional(text(1024)),
  fleetExecutionArn: z.optional(arn),
  drainWaited: z.object({ seconds: z.number().check(z.nonnegative()) }),
  dryRun: z.optional(z.boolean()),
});

const preflightSchema = z.object({ secretArn, rotation: runSchema });
const afterRotationSchema = z.object({ secretArn, rotation: runSchema, previousVersionId: versionId });
const revokeSchema = z.object({
  secretArn,
  rotation: runSchema,
  previousVersionId: versionId,
  terminateSessions: z.optional(z.boolean()),
  settings: z.optional(z.object({ authFailures: z.optional(z.object({ windowSeconds: z.number() })) })),
});

const seconds = z.int().check(z.nonnegative());
const replicaSyncStatusSchema = z.object({
  replicated: z.boolean(),
  inSync: z.boolean(),
  lagging: z.array(text(256)),
  waitedSeconds: seconds,
});
const replicaSyncSchema = z.object({
  secretArn,
  rotation: runSchema,
  currentVersionId: versionId,
  previous: replicaSyncStatusSchema,
});
const authFailureWatchSchema = z.object({
  threshold: seconds,
  windowSeconds: seconds,
  checkIntervalSeconds: z.int().check(z.positive()),
});
const settingsSchema = z.object({
  graceSeconds: seconds,
  minIntervalSeconds: seconds,
  revocation: z.object({
    maxWaitSeconds: seconds,
    whenStillInUse: z.enum(['alert', 'revoke']),
    terminateSessions: z.boolean(),
  }),
  consumers: z.optional(consumerSettingsSchema),
  replicaSync: z.object({ maxWaitSeconds: seconds, replicaRegions: z.optional(z.array(text(128))) }),
  canary: z.optional(
    z.object({ label: text(64), windowSeconds: seconds, checkEverySeconds: seconds, maxAuthFailures: seconds }),
  ),
  authFailures: z.optional(authFailureWatchSchema),
});

// Canary cohorts (docs/canary.md).
const canaryCheckSchema = z.object({
  secretArn,
  rotation: runSchema,
  previousVersionId: versionId,
  canary: z.object({ versionId, startedAt: isoTime }),
});
const canaryAbortSchema = z.object({
  secretArn,
  rotation: runSchema,
  previousVersionId: versionId,
  terminateSessions: z.optional(z.boolean()),
  failure: z.optional(z.object({ Error: z.optional(z.string().check(z.maxLength(256))) })),
});
const watchSchema = z.object({
  secretArn,
  rotation: runSchema,
  phase: z.enum(WATCH_PHASES),
  settings: authFailureWatchSchema,
  watch: z.object({ startedAt: z.optional(isoTime), waitedSeconds: seconds }),
});
const planSchema = z.object({
  rotation: runSchema,
  preflight: z.object({
    secretArn,
    strategy: text(128),
    currentVersionId: versionId,
    currentCredentialAuthenticates: z.boolean(),
    settings: settingsSchema,
  }),
});

export function parseWith<T>(schema: z.ZodMiniType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new InvalidTaskInputError(`invalid ${what} input (${describeIssues(result.error.issues, 'input')})`);
  }
  return result.data;
}

/** The execution's input as a lifecycle request; messages name fields, never quote values. */
export function parseLifecycleRequest(input: unknown): LifecycleRequest {
  const result = requestSchema.safeParse(input);
  if (!result.success) {
    throw new InvalidRequestError(`invalid lifecycle request (${describeIssues(result.error.issues, 'input')})`);
  }
  return result.data;
}

export const parseRotationRun = (input: unknown): RotationRun => parseWith(runSchema, input, 'rotation');

/** The coordinator's `plan` task input: the run and pre-flight's summary. */
export const parsePlanInput = (input: unknown): PlanInput => parseWith(planSchema, input, 'plan');

/** Each rotation-function task's input as the state machine sends it; unknown fields are dropped. */
export const parseTaskInput = {
  preflight: (input: unknown): PreflightInput => parseWith(preflightSchema, input, 'preflight'),
  verify: (input: unknown): VerifyInput => parseWith(afterRotationSchema, input, 'verify'),
  drain: (input: unknown): DrainInput => parseWith(afterRotationSchema, input, 'drain'),
  revoke: (input: unknown): RevokeInput => parseWith(revokeSchema, input, 'revoke'),
  rollback: (input: unknown): RollbackInput => parseWith(afterRotationSchema, input, 'rollback'),
  'canary-start': (input: unknown): CanaryStartInput => parseWith(afterRotationSchema, input, 'canary-start'),
  'canary-check': (input: unknown): CanaryCheckInput => parseWith(canaryCheckSchema, input, 'canary-check'),
  'canary-abort': (input: unknown): CanaryAbortInput => parseWith(canaryAbortSchema, input, 'canary-abort'),
  replicaSync: (input: unknown): ReplicaSyncInput => parseWith(replicaSyncSchema, input, 'replica-sync'),
  watch: (input: unknown): WatchInput => parseWith(watchSchema, input, 'watch'),
  reinstate: (input: unknown): ReinstateInput => parseWith(afterRotationSchema, input, 'reinstate'),
};
