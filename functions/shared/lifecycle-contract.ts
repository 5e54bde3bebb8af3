import { TAG_PREFIX } from '../strategies/tag-options';

/**
 * What the lifecycle, emergency and fleet state machines, their task functions and the
 * infrastructure agree on: execution input, per-secret lifecycle settings (as tags), task
 * environment variables, placeholders and audit event types. One module, so no side drifts.
 */

/** Who started a lifecycle execution. */
export const LIFECYCLE_TRIGGERS = ['schedule', 'on-demand', 'fleet', 'emergency'] as const;
export type LifecycleTrigger = (typeof LIFECYCLE_TRIGGERS)[number];

/** The lifecycle state machine's execution input (the Scheduler's target input, a fleet item, or a person). */
export interface LifecycleRequest {
  readonly secretArn: string;
  readonly trigger: LifecycleTrigger;
  /** The policy entry (else read from the secret's `keyturn:entry` tag). */
  readonly entryId?: string;
  /** ISO 8601: when the schedule fired (Scheduler's `<aws.scheduler.scheduled-time>`); bounds the rotation window. */
  readonly scheduledTime?: string;
  /** Where alerts go; the task functions' default topic when absent. */
  readonly alertTopicArn?: string;
  /** Why (free text, value-free): an emergency's suspected leak, an on-demand ticket. */
  readonly reason?: string;
  /** The fleet execution that started this one. */
  readonly fleetExecutionArn?: string;
  /**
   * Run begin and pre-flight only, change nothing (no audit event, no alert, no metric), and succeed with
   * `{ plan: DryRunPlan }` (state `DryRunComplete`); a refusal by begin or pre-flight, a policy rule's "not now"
   * included (RotationWindowClosedError, BlackoutPeriodError, MinimumIntervalError), fails the execution with its
   * error and cause (state `DryRunFailed`).
   */
  readonly dryRun?: boolean;
}

/** What a rotation would do, as a dry run's execution output (`output.plan`). Value-free. */
export interface DryRunPlan {
  readonly secretArn: string;
  readonly entryId?: string;
  readonly strategy: string;
  readonly emergency: boolean;
  /** The AWSCURRENT version a rotation would start from. */
  readonly currentVersionId: string;
  /** Whether that version's credential authenticates now (an emergency goes ahead without). */
  readonly currentCredentialAuthenticates: boolean;
  readonly settings: LifecycleSettings;
  /** The steps a rotation would take, in order, each with its wait: e.g. `grace 900 s`, `drain up to 3600 s, then alert`. */
  readonly steps: readonly string[];
}

/** Seconds between two usage checks of the drain loop (the lifecycle's `DrainWait` state). */
export const DRAIN_CHECK_INTERVAL_SECONDS = 60;

/**
 * One lifecycle execution as the coordinator's `begin` task opens it: every later task receives
 * it, every audit event and alert carries its `id`. Value-free (it lands in execution history).
 */
export interface RotationRun {
  /** The rotation id: RotateSecret's ClientRequestToken, so also the id of the version it creates. */
  readonly id: string;
  readonly executionArn: string;
  /** ISO 8601: when the execution started (the time-to-rotate clock). */
  readonly startedAt: string;
  readonly trigger: LifecycleTrigger;
  /** A suspected leak: no grace, no rollback, revoke at once. */
  readonly emergency: boolean;
  /** The secret's rotation function: it also runs the lifecycle tasks that reach the secret's target. */
  readonly functionArn: string;
  readonly entryId?: string;
  readonly scheduledTime?: string;
  readonly alertTopicArn?: string;
  readonly reason?: string;
  readonly fleetExecutionArn?: string;
  /** Seconds the drain loop has waited so far; the state machine adds to it. */
  readonly drainWaited: { readonly seconds: number };
  /** A dry run (set only when true): pre-flight records nothing and changes nothing, no later task runs. */
  readonly dryRun?: boolean;
}

/** Tasks the rotation function runs for the state machines (the `task` field of their event). */
export const ROTATION_FUNCTION_TASKS = [
  'preflight',
  'verify',
  'drain',
  'revoke',
  'rollback',
  // Issue 14 §1: the auth-failure watch windows after the switch and after revoke, and bringing the old credential back.
  'watch',
  'reinstate',
] as const;
export type RotationFunctionTask = (typeof ROTATION_FUNCTION_TASKS)[number];

/** Tasks of the coordinator function (no network access to targets needed); `plan` only in a dry run. */
export const COORDINATOR_TASKS = ['begin', 'report', 'plan'] as const;
export type CoordinatorTask = (typeof COORDINATOR_TASKS)[number];

/**
 * Per-secret lifecycle settings, written as tags by the policy (infra) and read by pre-flight.
 * Absent tags fall back to {@link DEFAULT_LIFECYCLE_SETTINGS}.
 */
export const LifecycleTag = {
  /** Seconds both credentials stay accepted before the old one is checked. */
  graceSeconds: `${TAG_PREFIX}grace-seconds`,
  /** Seconds that must pass since the last rotation before a scheduled or on-demand one starts. */
  minIntervalSeconds: `${TAG_PREFIX}min-interval-seconds`,
  /** Seconds to keep re-checking an old credential still in use (0: check once). */
  drainMaxWaitSeconds: `${TAG_PREFIX}drain-max-wait-seconds`,
  /** `alert` (leave it working and alert) or `revoke`, once the drain wait is spent. */
  whenStillInUse: `${TAG_PREFIX}when-still-in-use`,
  /** `true`: revoking also ends sessions still open with the old credential. */
  terminateSessions: `${TAG_PREFIX}terminate-sessions`,
  /** Failed logins tolerated in one auth-failure watch window; one more is a breach. Absent: no watch windows. */
  authFailuresThreshold: `${TAG_PREFIX}auth-failures-threshold`,
  /** Seconds each auth-failure watch window lasts (after the switch, after revoke). */
  authFailuresWindowSeconds: `${TAG_PREFIX}auth-failures-window-seconds`,
  /** Seconds between two reads of the signal inside a window. */
  authFailuresCheckSeconds: `${TAG_PREFIX}auth-failures-check-seconds`,
} as const;

export interface RevocationSettings {
  readonly maxWaitSeconds: number;
  readonly whenStillInUse: 'alert' | 'revoke';
  readonly terminateSessions: boolean;
}

/** The auth-failure watch windows of an entry whose policy sets `authFailures` (docs/auth-failure-signals.md). */
export interface AuthFailureWatchSettings {
  /** Failed logins tolerated in a window; more is a breach. */
  readonly threshold: number;
  readonly windowSeconds: number;
  readonly checkIntervalSeconds: number;
}

export interface LifecycleSettings {
  readonly graceSeconds: number;
  readonly minIntervalSeconds: number;
  readonly revocation: RevocationSettings;
  /** Absent: the entry has no auth-failure signal, and the lifecycle skips both watch windows. */
  readonly authFailures?: AuthFailureWatchSettings;
}

/** Which watch window: after the switch (AWSCURRENT moved, both credentials may still work) or after revoke. */
export const WATCH_PHASES = ['switch', 'revoke'] as const;
export type WatchPhase = (typeof WATCH_PHASES)[number];

/** For a secret without lifecycle tags: a short grace, an hour of draining, then alert rather than cut anyone off. */
export const DEFAULT_LIFECYCLE_SETTINGS: LifecycleSettings = {
  graceSeconds: 900,
  minIntervalSeconds: 0,
  revocation: { maxWaitSeconds: 3600, whenStillInUse: 'alert', terminateSessions: false },
};

/** Environment variables of the task functions, set by the infrastructure. */
export const TaskEnvironment = {
  /** Name of the audit event bus (unset: audit events are logged only, never dropped silently). */
  auditBusName: 'KEYTURN_AUDIT_BUS_NAME',
  /** The policy's default alert route (SNS topic ARN). */
  defaultAlertTopicArn: 'KEYTURN_DEFAULT_ALERT_TOPIC_ARN',
  /** JSON array of `{ "start": ISO, "end": ISO, "reason"?: string }`: no scheduled rotation starts inside one. */
  blackouts: 'KEYTURN_BLACKOUTS',
  /**
   * Secrets Manager writes per second keyturn's rotations allow themselves in the region, together: the
   * policy's share of the regional write quota (functions/shared/write-pacing.ts; unset: the default share).
   */
  writesPerSecond: 'KEYTURN_WRITES_PER_SECOND',
  /** The DynamoDB table holding the region's write schedule (unset: a schedule in this process only, as locally). */
  writePacerTable: 'KEYTURN_WRITE_PACER_TABLE',
} as const;

/**
 * The rotation function's timeout unless the infrastructure sets another (infra/constructs/rotation-function.ts);
 * the handler assumes it when it runs without a Lambda context (locally).
 */
export const DEFAULT_ROTATION_FUNCTION_TIMEOUT_SECONDS = 45;

/** `${Name}` placeholders in `statemachines/*.asl.json`, filled by the CDK constructs and the local runner. */
export const AslPlaceholder = {
  PreflightFunction: 'PreflightFunction',
  VerifyFunction: 'VerifyFunction',
  DrainFunction: 'DrainFunction',
  RevokeFunction: 'RevokeFunction',
  RollbackFunction: 'RollbackFunction',
  /** Opens each run (`begin`), reports its end (`report`: audit event, alert), and plans a dry run (`plan`). */
  CoordinatorFunction: 'CoordinatorFunction',
  SelectFleetFunction: 'SelectFleetFunction',
  SummarizeFleetFunction: 'SummarizeFleetFunction',
  LifecycleStateMachine: 'LifecycleStateMachine',
  /** Runs every task of a KMS key's rotation (functions/kms-key/handler.ts). */
  KmsKeyFunction: 'KmsKeyFunction',
  /** The KMS re-wrap function (`functions/kms-rewrap`): its `slice` and `report-failure` tasks. */
  RewrapFunction: 'RewrapFunction',
  /** The KMS re-wrap state machine, which `rewrap-start.asl.json` starts once per job and segment. */
  RewrapStateMachine: 'RewrapStateMachine',
} as const;
export type AslPlaceholderName = keyof typeof AslPlaceholder;

/** `detail-type` of keyturn's audit events (source `keyturn.rotation`). */
export const AuditEventType = {
  /** Pre-flight passed; the rotation is about to start. */
  Started: 'RotationStarted',
  /** A policy rule (window, blackout, minimum interval) kept a rotation from starting. Not a failure. */
  Skipped: 'RotationSkipped',
  /** The new credential is AWSCURRENT and authenticates. */
  Verified: 'NewCredentialVerified',
  /** One check of whether the old credential is still in use. */
  UsageChecked: 'OldCredentialUsageChecked',
  /** The old credential no longer works. */
  Revoked: 'OldCredentialRevoked',
  /** The drain wait ran out with the old credential in use; left working as the policy says, and alerted. */
  LeftInUse: 'OldCredentialLeftInUse',
  /** AWSCURRENT went back to the previous version after a failure. */
  RolledBack: 'RotationRolledBack',
  /** The rotation ended as the policy wants (old credential revoked, or left in use by policy). */
  Completed: 'RotationCompleted',
  /** The rotation failed; the alert carries the same rotation id and step. */
  Failed: 'RotationFailed',
  // Issue 14 §1: the auth-failure watch windows.
  /** A watch window saw more failed logins than the policy tolerates: counts, window and metric, never a value. */
  AuthFailuresDetected: 'AuthFailuresDetected',
  /** A watch window ended within the threshold (or without a readable signal: `observed` says which). */
  AuthFailureWatchPassed: 'AuthFailureWatchPassed',
  /** After a breach following revoke, the old credential works again; AWSCURRENT untouched. */
  Reinstated: 'OldCredentialReinstated',
} as const;
export type AuditEventTypeName = (typeof AuditEventType)[keyof typeof AuditEventType];
