import { TAG_PREFIX } from '../strategies/tag-options';
import type { ConsumerRefresh } from './consumer-refresh';

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
  // Canary cohorts (docs/canary.md): the candidate set up, watched through the hold, or taken back.
  'canary-start',
  'canary-check',
  'canary-abort',
  // Replicated secrets (docs/replicas.md): is the new AWSCURRENT served in every replica region?
  'replica-sync',
  // Issue 14 §1: the auth-failure watch windows after the switch and after revoke, and bringing the old credential back.
  'watch',
  'reinstate',
] as const;
export type RotationFunctionTask = (typeof ROTATION_FUNCTION_TASKS)[number];

/** Tasks of the coordinator function (no network access to targets needed); `plan` only in a dry run. */
export const COORDINATOR_TASKS = [
  'begin',
  'report',
  'plan',
  // Consumers told and refreshed after Verify (functions/tasks/notify.ts, refresh-consumers.ts).
  'notify',
  'refresh-consumers',
] as const;
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
  // Canary cohorts (docs/canary.md): a window tag turns the canary on; the others refine it.
  /** Seconds the candidate is held under the canary label before promotion. Absent: no canary. */
  canaryWindowSeconds: `${TAG_PREFIX}canary-window-seconds`,
  /** The staging label the candidate carries (default KEYTURN_CANARY). */
  canaryLabel: `${TAG_PREFIX}canary-label`,
  /** Seconds between two checks of the candidate during the hold. */
  canaryCheckEverySeconds: `${TAG_PREFIX}canary-check-every-seconds`,
  /** Auth failures the entry's signal may count since the canary started before it aborts. */
  canaryMaxAuthFailures: `${TAG_PREFIX}canary-max-auth-failures`,
  /** Seconds the lifecycle waits after Verify for every replica to serve the new AWSCURRENT (docs/replicas.md). */
  replicaSyncMaxWaitSeconds: `${TAG_PREFIX}replica-sync-max-wait-seconds`,
  /** Failed logins tolerated in one auth-failure watch window; one more is a breach. Absent: no watch windows. */
  authFailuresThreshold: `${TAG_PREFIX}auth-failures-threshold`,
  /** Seconds each auth-failure watch window lasts (after the switch, after revoke). */
  authFailuresWindowSeconds: `${TAG_PREFIX}auth-failures-window-seconds`,
  /** Seconds between two reads of the signal inside a window. */
  authFailuresCheckSeconds: `${TAG_PREFIX}auth-failures-check-seconds`,
} as const;

/** An entry's canary cohort: the label consumers opt in to read, and how long and how often it is watched. */
export interface CanarySettings {
  readonly label: string;
  readonly windowSeconds: number;
  readonly checkEverySeconds: number;
  readonly maxAuthFailures: number;
}

/** Seconds between two checks of a canary when the entry does not say. */
export const DEFAULT_CANARY_CHECK_EVERY_SECONDS = 60;

export interface RevocationSettings {
  readonly maxWaitSeconds: number;
  readonly whenStillInUse: 'alert' | 'revoke';
  readonly terminateSessions: boolean;
}

/** The secret's consumers, from its `keyturn:consumer-*` tags (functions/shared/consumer-refresh.ts). */
export interface ConsumerSettings {
  /** Every consumer the tags name, with what a rotation refreshes for it (`event`: the event only). */
  readonly consumers: readonly ConsumerRefresh[];
  /** How many of them name an ECS service or a Lambda function to refresh (the lifecycle skips the refresh at 0). */
  readonly refreshCount: number;
  /** The longest cache lifetime they declare: the grace window is at least this long. */
  readonly cacheSeconds: number;
  /** The grace the policy asked for, when the consumers' cache lifetime raised it (graceSeconds is the raised one). */
  readonly declaredGraceSeconds?: number;
}

export interface ReplicaSyncSettings {
  /** How long after Verify to wait for every replica region to serve the new AWSCURRENT before giving up. */
  readonly maxWaitSeconds: number;
  /** The secret's replica regions as pre-flight found them (DescribeSecret); absent for a secret without replicas. */
  readonly replicaRegions?: readonly string[];
}

/** The auth-failure watch windows of an entry whose policy sets `authFailures` (docs/auth-failure-signals.md). */
export interface AuthFailureWatchSettings {
  /** Failed logins tolerated in a window; more is a breach. */
  readonly threshold: number;
  readonly windowSeconds: number;
  readonly checkIntervalSeconds: number;
}

export interface LifecycleSettings {
  /** At least the consumers' longest cache lifetime ({@link ConsumerSettings.cacheSeconds}). */
  readonly graceSeconds: number;
  readonly minIntervalSeconds: number;
  readonly revocation: RevocationSettings;
  /** Absent when the secret names no consumers. */
  readonly consumers?: ConsumerSettings;
  /** Present only for an entry with a canary (never in an emergency run): the hold before RotateSecret. */
  readonly canary?: CanarySettings;
  /** Secrets with replicas in other regions only (docs/replicas.md). */
  readonly replicaSync: ReplicaSyncSettings;
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
  // Replication usually takes seconds; a quarter of an hour covers a slow region without holding a run for long.
  replicaSync: { maxWaitSeconds: 900 },
};

/** Seconds between two checks of the replica-sync loop (the lifecycle's `ReplicaWait` state). */
export const REPLICA_SYNC_CHECK_INTERVAL_SECONDS = 30;

/**
 * The emergency state machine's bound on the same wait (its `ReplicaInSync` state): short, because a leaked
 * credential must not stay working for long; after it the emergency revokes whatever the replicas say.
 */
export const EMERGENCY_REPLICA_SYNC_MAX_WAIT_SECONDS = 120;

/**
 * Whether a replicated secret's new AWSCURRENT is served in every replica region (Verify's and the `replica-sync`
 * task's output, `$.verify.replicas`). Value-free: regions and statuses.
 */
export interface ReplicaSyncStatus {
  /** The secret has replicas (false: nothing to wait for, `inSync` is true). */
  readonly replicated: boolean;
  readonly inSync: boolean;
  /** `<region> <status>` of each replica not yet serving the new AWSCURRENT. */
  readonly lagging: readonly string[];
  /** Seconds the replica-sync loop has waited so far. */
  readonly waitedSeconds: number;
}

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
  /**
   * The new credential is verified AWSCURRENT: consumers should pick it up now. The event consumers subscribe to
   * (secret ARN, version id, entry, consumers and what is refreshed; never a value), also the audit record.
   */
  SecretRotated: 'SecretRotated',
  /** A consumer's ECS service or Lambda function was refreshed (or found already refreshed) for the new version. */
  ConsumerRefreshed: 'ConsumerRefreshed',
  /** A consumer's refresh failed: alerted, never failing or rolling back the rotation (the credential is fine). */
  ConsumerRefreshFailed: 'ConsumerRefreshFailed',
  // Canary cohorts (docs/canary.md).
  /** A candidate carries the canary label, set up and tested at the target; the hold begins. */
  CanaryStarted: 'CanaryStarted',
  /** The held candidate's value is AWSCURRENT; the canary label is off it. */
  CanaryPromoted: 'CanaryPromoted',
  /** The canary failed: the candidate was taken back (label off, made to stop working); AWSCURRENT never moved. */
  CanaryAborted: 'CanaryAborted',
  /**
   * A replica region did not serve the new AWSCURRENT within the replica-sync wait: the old credential is kept
   * (never revoked while a region may still hand it out), and the owners alerted (regions and statuses only).
   */
  ReplicasNotInSync: 'ReplicasNotInSync',
  // Issue 14 §1: the auth-failure watch windows.
  /** A watch window saw more failed logins than the policy tolerates: counts, window and metric, never a value. */
  AuthFailuresDetected: 'AuthFailuresDetected',
  /** A watch window ended within the threshold (or without a readable signal: `observed` says which). */
  AuthFailureWatchPassed: 'AuthFailureWatchPassed',
  /** After a breach following revoke, the old credential works again; AWSCURRENT untouched. */
  Reinstated: 'OldCredentialReinstated',
} as const;
export type AuditEventTypeName = (typeof AuditEventType)[keyof typeof AuditEventType];
