import type { Construct } from 'constructs';
import { ObservabilityValidationError } from './errors';

/**
 * Where the runbooks live until the repository URL is known: the runbooks page, relative to the repository.
 * Alarm descriptions and the dashboard link `${runbookBaseUrl}#<anchor>`, so pass the page's absolute URL
 * (e.g. its GitHub page) to make the links work from an email or the console.
 */
export const DEFAULT_RUNBOOK_BASE_URL = 'docs/runbooks.md';

/**
 * The runbook anchors alarms link to. Each is the GitHub anchor of a heading of docs/runbooks.md: `### Runbook: rotation failed`
 * becomes `#runbook-rotation-failed`.
 */
export const RunbookAnchor = {
  RotationFailed: 'runbook-rotation-failed',
  SuccessRate: 'runbook-rotation-success-rate',
  TimeToRotate: 'runbook-time-to-rotate',
  RotationOverdue: 'runbook-rotation-overdue',
  StuckPending: 'runbook-stuck-awspending',
  RotationDisabled: 'runbook-rotation-disabled',
  UnmanagedTaggedSecrets: 'runbook-unmanaged-secrets-with-keyturn-tags',
  PolicySecretMissing: 'runbook-policy-secret-missing',
  ManagedSecretNotInPolicy: 'runbook-managed-secret-not-in-policy',
  ReplicaOutOfSync: 'runbook-replica-out-of-sync',
  ReplicasNotInSyncAfterRotation: 'runbook-replicas-not-in-sync-after-rotation',
  OldCredentialInUse: 'runbook-old-credential-in-use',
  AuthFailuresAfterRotation: 'runbook-auth-failures-after-rotation',
  EntryAuthFailures: 'runbook-auth-failures-of-an-entry',
  RevocationLatency: 'runbook-revocation-latency',
  AuditCompleteness: 'runbook-audit-completeness',
  RecoveryTime: 'runbook-recovery-time',
  OrchestrationErrors: 'runbook-orchestration-errors',
  LifecycleExecutionFailed: 'runbook-lifecycle-execution-failed',
  EmergencyRotationFailed: 'runbook-emergency-rotation-failed',
  FleetRotationFailed: 'runbook-fleet-rotation-failed',
  KmsKeyRotationFailed: 'runbook-kms-key-rotation-failed',
  KmsRewrapFailed: 'runbook-kms-re-wrap-failed',
  KmsKeyPendingDeletionUsed: 'runbook-kms-key-pending-deletion-used',
  Throttling: 'runbook-throttling',
  DeadLetterQueue: 'runbook-dead-letter-queue',
} as const;

export type RunbookAnchorName = (typeof RunbookAnchor)[keyof typeof RunbookAnchor];

/** The runbook heading each anchor comes from (what docs/runbooks.md must contain for the links to land). */
export const RUNBOOK_HEADINGS: Readonly<Record<RunbookAnchorName, string>> = {
  [RunbookAnchor.RotationFailed]: 'Runbook: rotation failed',
  [RunbookAnchor.SuccessRate]: 'Runbook: rotation success rate',
  [RunbookAnchor.TimeToRotate]: 'Runbook: time to rotate',
  [RunbookAnchor.RotationOverdue]: 'Runbook: rotation overdue',
  [RunbookAnchor.StuckPending]: 'Runbook: stuck AWSPENDING',
  [RunbookAnchor.RotationDisabled]: 'Runbook: rotation disabled',
  [RunbookAnchor.UnmanagedTaggedSecrets]: 'Runbook: unmanaged secrets with keyturn tags',
  [RunbookAnchor.PolicySecretMissing]: 'Runbook: policy secret missing',
  [RunbookAnchor.ManagedSecretNotInPolicy]: 'Runbook: managed secret not in policy',
  [RunbookAnchor.ReplicaOutOfSync]: 'Runbook: replica out of sync',
  [RunbookAnchor.ReplicasNotInSyncAfterRotation]: 'Runbook: replicas not in sync after rotation',
  [RunbookAnchor.OldCredentialInUse]: 'Runbook: old credential in use',
  [RunbookAnchor.AuthFailuresAfterRotation]: 'Runbook: auth failures after rotation',
  [RunbookAnchor.EntryAuthFailures]: 'Runbook: auth failures of an entry',
  [RunbookAnchor.RevocationLatency]: 'Runbook: revocation latency',
  [RunbookAnchor.AuditCompleteness]: 'Runbook: audit completeness',
  [RunbookAnchor.RecoveryTime]: 'Runbook: recovery time',
  [RunbookAnchor.OrchestrationErrors]: 'Runbook: orchestration errors',
  [RunbookAnchor.LifecycleExecutionFailed]: 'Runbook: lifecycle execution failed',
  [RunbookAnchor.EmergencyRotationFailed]: 'Runbook: emergency rotation failed',
  [RunbookAnchor.FleetRotationFailed]: 'Runbook: fleet rotation failed',
  [RunbookAnchor.KmsKeyRotationFailed]: 'Runbook: KMS key rotation failed',
  [RunbookAnchor.KmsRewrapFailed]: 'Runbook: KMS re-wrap failed',
  [RunbookAnchor.KmsKeyPendingDeletionUsed]: 'Runbook: KMS key pending deletion used',
  [RunbookAnchor.Throttling]: 'Runbook: throttling',
  [RunbookAnchor.DeadLetterQueue]: 'Runbook: dead-letter queue',
};

export function runbookUrl(baseUrl: string, anchor: RunbookAnchorName): string {
  return `${baseUrl}#${anchor}`;
}

export function validateRunbookBaseUrl(scope: Construct, baseUrl: string): void {
  if (baseUrl.length === 0 || baseUrl.includes('#') || /\s/.test(baseUrl)) {
    throw new ObservabilityValidationError(
      scope,
      `runbookBaseUrl must be a URL without a fragment or spaces (anchors are appended), got "${baseUrl}"`,
    );
  }
}
