/**
 * Metric names and dimensions keyturn emits. The functions publish them through
 * Powertools Metrics and the infrastructure builds alarms and dashboards on them:
 * both import this module so the two sides cannot drift.
 *
 * Every metric lands in namespace {@link METRICS_NAMESPACE}. Powertools adds the dimension
 * {@link MetricDimension.Service} (`service`, the function's POWERTOOLS_SERVICE_NAME) to every
 * metric it publishes, so an alarm must name it too: a CloudWatch metric is identified by its
 * exact set of dimensions. Alarms cannot use SEARCH, so each metric an alarm watches is also
 * published in the *aggregate* dimension set `[service]` (one EMF document can carry several
 * dimension sets: Powertools' `metrics.addDimensions({})` adds `[service]`); dashboards break
 * the same metrics down by `Strategy` and `Step` with SEARCH.
 *
 * Not covered: secret-exposure detections (the guide's M9, leaked-secret scanning) are out of
 * keyturn's scope; a secret scanner owns that signal.
 */
export const METRICS_NAMESPACE = 'keyturn';

/** Emitted by the rotation function (`functions/rotate-secret/observed-step.ts`), service {@link MetricService.RotateSecret}. */
export const RotationMetric = {
  /** A rotation began: createSecret stored a new pending value. */
  Started: 'RotationStarted',
  /** finishSecret made the new version AWSCURRENT. */
  Succeeded: 'RotationSucceeded',
  /** A rotation step failed (Secrets Manager will retry the rotation). */
  Failed: 'RotationFailed',
  /** Milliseconds from the pending version's creation to finishSecret: the time-to-rotate SLI. */
  Duration: 'RotationDuration',
} as const;

/** Emitted by the rotation function once per step, service {@link MetricService.RotateSecret}. */
export const StepMetric = {
  /** Published as the step begins: started minus finished counts steps that died (timeouts). */
  Started: 'RotationStepStarted',
  Succeeded: 'RotationStepSucceeded',
  Failed: 'RotationStepFailed',
  Duration: 'RotationStepDuration',
  /** Milliseconds the step's Secrets Manager writes waited for keyturn's write pacer (functions/shared/write-pacer.ts). */
  WriteQuotaWait: 'RotationStepWriteQuotaWait',
} as const;

export const MetricDimension = {
  Strategy: 'Strategy',
  Step: 'Step',
  ErrorName: 'ErrorName',
  /** Added by Powertools to every metric: the emitting function's POWERTOOLS_SERVICE_NAME (see {@link MetricService}). */
  Service: 'service',
  /** The AWS service that answered with a throttling error (`SecretsManager`, `KMS`, ...), on {@link LifecycleMetric.ApiThrottles}. */
  AwsService: 'AwsService',
  /** A replica's region, on {@link LifecycleMetric.ReplicaSyncLag}. */
  Region: 'Region',
  /** The DynamoDB table a KMS re-wrap job works on, on {@link RewrapMetric}. */
  Table: 'Table',
} as const;

/** Values of the {@link MetricDimension.Service} dimension: who emits a metric. */
export const MetricService = {
  /** The function Secrets Manager invokes (POWERTOOLS_SERVICE_NAME of `functions/rotate-secret`). */
  RotateSecret: 'keyturn-rotate-secret',
  /** Every task handler of the lifecycle, emergency and fleet state machines (`functions/tasks`). */
  Lifecycle: 'keyturn-lifecycle',
  /** The tasks of a KMS key's rotation (`functions/kms-key`). */
  KmsKey: 'keyturn-kms-key',
} as const;

/** The `Strategy` dimension's value when a step fails before its strategy is known (bad event, unknown secret or strategy). */
export const UNRESOLVED_STRATEGY = 'unknown';

/**
 * Emitted by the lifecycle state machines' task handlers (service {@link MetricService.Lifecycle}), each in
 * dimension sets `[service]` (alarms) and `[service, Strategy]` (dashboards) unless noted. The guide's SLI each
 * one feeds is in brackets.
 */
export const LifecycleMetric = {
  /** [M1] Count. A lifecycle execution began (schedule, native trigger, on demand or emergency); by the first task. */
  Started: 'LifecycleStarted',
  /** [M1] Count. The new credential is current and verified, and the old one revoked or left to expire as the policy says. */
  Completed: 'LifecycleCompleted',
  /** [M1, M6] Count. An execution ended without completing, after its own retries (whether or not it rolled back). */
  Failed: 'LifecycleFailed',
  /** [M10] Count. A failed execution restored the previous credential as current. */
  RolledBack: 'LifecycleRolledBack',
  /** [M10] Milliseconds from the failure being detected to the rollback completing; by the rollback task. */
  RecoveryTime: 'RecoveryTime',
  /** Count. An emergency (out-of-band) rotation started; by the emergency state machine's first task. */
  EmergencyRotations: 'EmergencyRotations',
  /** [M2] Milliseconds from the execution's start to the new credential verified current; by the verify task. */
  TimeToRotate: 'TimeToRotate',
  /** [M3] Count. Sessions or uses of the old credential still seen after the grace window; by the drain task. */
  OldCredentialInUse: 'OldCredentialInUse',
  /** [M4] Count. Authentication failures at the target attributed to the rotation, in the watch window after cutover. */
  AuthFailuresAfterRotation: 'AuthFailuresAfterRotation',
  /** [M5] Milliseconds from the revoke call to the old credential observed rejected; by the revoke task. */
  RevocationLatency: 'RevocationLatency',
  /** [M6] Count. A task error the state machine caught or retried (retries hide root causes; this counts them). */
  OrchestrationErrors: 'OrchestrationErrors',
  /** [M6] Count. Throttling errors from AWS APIs seen by a task; dimension sets `[service]` and `[service, AwsService]`. */
  ApiThrottles: 'ApiThrottles',
  /**
   * Milliseconds from the rotation's completion (the secret's LastRotatedDate) to the first check that found a
   * replica region serving the new AWSCURRENT; by Verify and the replica-sync task, once per region and rotation,
   * in dimension sets `[service]` and `[service, Region]` (the entry and secret as metadata).
   */
  ReplicaSyncLag: 'ReplicaSyncLag',
  /** Count. A replicated secret's replicas did not all serve the new AWSCURRENT within the wait; by the report task. */
  ReplicasNotInSyncAfterRotation: 'ReplicasNotInSyncAfterRotation',
  /** [M8] Count. A canary check of the new credential (verify before cutover / before revoking the old one) ran. */
  CanaryChecks: 'CanaryChecks',
  /** [M8] Count. A canary check failed. */
  CanaryFailures: 'CanaryFailures',
  /** Gauge (count), dimension set `[service]` only. Managed secrets past their rotation interval; by the freshness check, hourly. */
  SecretsOverdue: 'SecretsOverdue',
  /** Gauge (percent), dimension set `[service]` only. The oldest secret's age as a share of its interval (100 = due now). */
  OldestSecretAgePercent: 'OldestSecretAgePercent',
  /** Gauge (count), dimension set `[service]` only. The policy's KMS keys whose last rotation is older than allowed; hourly. */
  KeysOverdue: 'KeysOverdue',
  /**
   * Gauge (count), dimension set `[service]` only. The policy's KMS keys the freshness check could not judge: unreadable
   * (access denied, not found, KMS failing) or pending deletion. Nobody knows they are fresh: the overdue alarm counts them.
   */
  KeysUnchecked: 'KeysUnchecked',
  /** Gauge (percent), dimension set `[service]` only. The oldest key's age as a share of what its policy allows. */
  OldestKeyAgePercent: 'OldestKeyAgePercent',
  /**
   * Gauge (count), dimension set `[service]` only, hourly, from the inventory (functions/inventory): managed secrets
   * with a version holding AWSPENDING without AWSCURRENT for longer than the threshold (an hour).
   */
  SecretsStuckPending: 'SecretsStuckPending',
  /** Gauge (count), `[service]` only, hourly. Managed secrets whose rotation is turned off. */
  SecretsRotationDisabled: 'SecretsRotationDisabled',
  /** Gauge (count), `[service]` only, hourly. Secrets with `keyturn:` tags but not `keyturn:managed=true`. */
  UnmanagedTaggedSecrets: 'UnmanagedTaggedSecrets',
  /**
   * Gauge (count), `[service]` only, hourly. Policy entries whose secret is not in the account, is scheduled for
   * deletion or is not tagged managed; plus one when the policy's entries could not be loaded.
   */
  PolicySecretsMissing: 'PolicySecretsMissing',
  /** Gauge (count), `[service]` only, hourly. Managed secrets whose `keyturn:entry` names no entry of the policy. */
  ManagedSecretsNotInPolicy: 'ManagedSecretsNotInPolicy',
  /** Gauge (count), `[service]` only, hourly. Replicas of managed secrets whose status is not InSync. */
  ReplicasOutOfSync: 'ReplicasOutOfSync',
  /** Gauge (count), `[service]` only, hourly. Managed secrets the inventory could not describe (their checks not made). */
  SecretsUnreadable: 'SecretsUnreadable',
} as const;

/**
 * Emitted by the KMS re-wrap job (`functions/kms-rewrap`, service {@link MetricService.Lifecycle}, like the
 * other state machine functions) after each page at most once a minute and at the end of each slice, in
 * dimension sets `[service, Table]` and `[service]`. Counts are per slice (sum them); the gauges hold the
 * job's latest estimate. Keys and counts only.
 */
export const RewrapMetric = {
  /** Count. Items settled (re-wrapped, already current, skipped or refused) since the last publication. */
  ItemsProcessed: 'RewrapItemsProcessed',
  /** Count. Of those, written back under the target key's current material. */
  ItemsRewrapped: 'RewrapItemsRewrapped',
  /** Count. Items left as they were with a named reason (key outside the allowed set, unreadable, ...). */
  ItemsRefused: 'RewrapItemsRefused',
  /** Gauge (count). Items still to scan, from the table's approximate item count. */
  ItemsRemaining: 'RewrapItemsRemaining',
  /** Gauge (percent). The share of the table (segment) scanned, 100 when the job is done. */
  PercentComplete: 'RewrapPercentComplete',
  /** Gauge (seconds). The estimated time left at the rate measured so far. */
  EstimatedSecondsLeft: 'RewrapEstimatedSecondsLeft',
  /** Count. ReEncrypt calls KMS throttled (the job paused after each; the quota is shared with applications). */
  KmsThrottles: 'RewrapKmsThrottles',
  /** Count. Conditional writes lost to an application's concurrent write (the item was re-read and re-wrapped). */
  Conflicts: 'RewrapConflicts',
} as const;

/**
 * Secrets Manager's own rotation events (RotationStarted/Succeeded/Failed/Abandoned, via CloudTrail), counted
 * by a metric filter on the audit log group (infra `AuditTrail`) with dimension {@link SECRETS_MANAGER_EVENT_DIMENSION}.
 * They include failures the rotation function never reports: an invoke Secrets Manager could not make, a timeout.
 */
export const SecretsManagerEventMetric = {
  /** Count, dimension `EventName` (the event's `detail.eventName`); published by the metric filter only. */
  RotationEvents: 'SecretsManagerRotationEvents',
} as const;

export const SECRETS_MANAGER_EVENT_DIMENSION = 'EventName';

/** KMS keys' own events (EventBridge `aws.kms`), turned into audit events by the kms-key function. */
export const KmsKeyMetric = {
  /** Count, service {@link MetricService.KmsKey}, dimension sets `[service]` and `[service, RotationType]`. */
  MaterialRotations: 'KmsKeyMaterialRotations',
  /** Count, service {@link MetricService.KmsKey}, dimension set `[service]`: a key scheduled for deletion was deleted. */
  KeysDeleted: 'KmsKeysDeleted',
  /**
   * Count, no dimensions. Published only by the metric filter on the account's CloudTrail log group (infra
   * `kms-pending-deletion.ts`), one per KMS request refused because its key is pending deletion.
   */
  PendingDeletionUses: 'KmsKeyPendingDeletionUses',
} as const;

export const KMS_ROTATION_TYPE_DIMENSION = 'RotationType';

/** The `source` of keyturn's audit events on its audit event bus. */
export const AUDIT_EVENT_SOURCE = 'keyturn.rotation';

/** [M7] Audit completeness: the events keyturn meant to record against the events that reached the audit log. */
export const AuditMetric = {
  /**
   * Count, service {@link MetricService.Lifecycle}, dimension set `[service]`. One per audit event a task puts on the
   * audit bus (before PutEvents, whatever its outcome), with the event's `time` as the metric timestamp so both
   * counts fall into the same minute.
   */
  Expected: 'AuditEventsExpected',
  /**
   * Count, no dimensions. Published by the audit log group's metric filter (infra `AuditTrail`), one per
   * `keyturn.rotation` event that reached the log: emitters never publish it.
   */
  Recorded: 'AuditEventsRecorded',
} as const;
