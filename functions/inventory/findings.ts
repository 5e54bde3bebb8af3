import { FindingCode, type Finding, type FindingSubject } from './types';

/**
 * Each finding's message and resolution, in one place so the hourly check's log lines, the CLI and the runbooks say
 * the same. Names, ARNs, dates, counts and statuses only: never a value.
 */

export function secretSubject(arn: string, name: string, entryId: string | null): FindingSubject {
  return { type: 'secret', id: arn, name, entryId };
}

export function secretOverdue(subject: FindingSubject, ageSeconds: number, maxAgeSeconds: number): Finding {
  return {
    code: FindingCode.SecretOverdue,
    subject,
    message: `${subject.name} was last rotated ${days(ageSeconds)} ago; its schedule allows ${days(maxAgeSeconds)}.`,
    resolution:
      'Check that its schedule exists and is enabled and whether its rotations fail (the rotation-failed alarms), ' +
      'then rotate it: keyturn rotate <secret> (or aws secretsmanager rotate-secret --secret-id <arn>).',
  };
}

export function stuckPending(subject: FindingSubject, versionId: string, createdAt: Date, ageSeconds: number): Finding {
  return {
    code: FindingCode.StuckPending,
    subject,
    message:
      `Version ${versionId} of ${subject.name} has held AWSPENDING without AWSCURRENT since ` +
      `${createdAt.toISOString()} (${hours(ageSeconds)}): Secrets Manager refuses new rotations while it stays.`,
    resolution:
      'Read the rotation function\'s logs for that version (the "rotation failed" runbook). To finish that rotation, ' +
      `re-run it with aws secretsmanager rotate-secret --secret-id <arn> --client-request-token ${versionId}; ` +
      'to abandon it, remove the label: aws secretsmanager update-secret-version-stage --secret-id <arn> ' +
      `--version-stage AWSPENDING --remove-from-version-id ${versionId}. The check never changes it.`,
  };
}

export function rotationDisabled(subject: FindingSubject): Finding {
  return {
    code: FindingCode.RotationDisabled,
    subject,
    message: `Rotation is turned off for managed secret ${subject.name}: it will become overdue.`,
    resolution:
      'Deploy the secrets stack of its policy entry again (it turns rotation on), or, if the secret should no ' +
      'longer rotate, remove its entry from the policy and its keyturn:managed tag.',
  };
}

export function unmanagedTagged(arn: string, name: string, tagKeys: readonly string[]): Finding {
  return {
    code: FindingCode.UnmanagedTagged,
    subject: { type: 'secret', id: arn, name, entryId: null },
    message:
      `${name} carries keyturn tags (${tagKeys.join(', ')}) but not keyturn:managed=true: keyturn does not ` +
      'rotate it, and it does not count as overdue.',
    resolution:
      'Either adopt it (add an entry for it to the policy and deploy: keyturn then tags it keyturn:managed=true) or ' +
      'remove its keyturn: tags (aws secretsmanager untag-resource).',
  };
}

export function notInPolicy(subject: FindingSubject): Finding {
  const entry = subject.entryId === null ? 'no keyturn:entry tag' : `keyturn:entry "${subject.entryId}"`;
  return {
    code: FindingCode.NotInPolicy,
    subject,
    message: `Managed secret ${subject.name} has ${entry}, which names no entry of the deployed policy.`,
    resolution:
      'If it should rotate, add its entry back to the policy and deploy; if not, turn its rotation off and remove ' +
      'its keyturn:managed tag (or delete the secret once nothing uses it).',
  };
}

/** Why a policy entry's secret is not where the policy says. */
export type MissingReason =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'scheduled-for-deletion'; readonly deletedAt: Date | null }
  | { readonly kind: 'not-managed'; readonly arn: string };

export function policySecretMissing(entryId: string, secretId: string, reason: MissingReason): Finding {
  const subject: FindingSubject = { type: 'policy-entry', id: entryId, name: secretId, entryId };
  switch (reason.kind) {
    case 'not-found':
      return {
        code: FindingCode.PolicySecretMissing,
        subject,
        message: `Policy entry "${entryId}" names secret ${secretId}, which is not in the account.`,
        resolution:
          'If it was deleted by mistake and is still within its recovery window, restore it (aws secretsmanager ' +
          'restore-secret); otherwise fix the entry (name or ARN) or remove it from the policy, then deploy.',
      };
    case 'scheduled-for-deletion':
      return {
        code: FindingCode.PolicySecretMissing,
        subject,
        message:
          `Policy entry "${entryId}" names secret ${secretId}, which is scheduled for deletion` +
          `${reason.deletedAt ? ` (marked ${reason.deletedAt.toISOString()})` : ''}.`,
        resolution:
          'If it is still needed, restore it now: aws secretsmanager restore-secret --secret-id <arn>; otherwise ' +
          'remove the entry from the policy and deploy.',
      };
    case 'not-managed':
      return {
        code: FindingCode.PolicySecretMissing,
        subject: { ...subject, id: entryId },
        message:
          `Policy entry "${entryId}" names secret ${secretId} (${reason.arn}), which exists but is not tagged ` +
          'keyturn:managed=true: nothing rotates it.',
        resolution:
          'Deploy the secrets stack of the entry (it tags the secret), and check that no one removed the tag.',
      };
  }
}

export function replicaOutOfSync(
  subject: FindingSubject,
  region: string,
  status: string,
  statusMessage: string | null,
): Finding {
  return {
    code: FindingCode.ReplicaOutOfSync,
    subject,
    message:
      `The replica of ${subject.name} in ${region} is ${status}, not InSync` +
      `${statusMessage ? ` (Secrets Manager: ${statusMessage})` : ''}: consumers there may read an older value.`,
    resolution:
      'Read the status message (aws secretsmanager describe-secret); fix its cause (a secret of the same name in ' +
      'that region, a KMS key the replica cannot use), then remove and re-add the replica ' +
      '(remove-regions-from-replication, replicate-secret-to-regions).',
  };
}

export function secretUnreadable(subject: FindingSubject, operation: string, errorName: string): Finding {
  return {
    code: FindingCode.SecretUnreadable,
    subject,
    message: `${operation} of ${subject.name} failed (${errorName}): its rotation state, stuck versions and replicas were not checked.`,
    resolution:
      "Check the checking role's permissions on the secret (secretsmanager:DescribeSecret and " +
      'ListSecretVersionIds on secrets tagged keyturn:managed=true) and whether Secrets Manager was failing.',
  };
}

export function keySubject(entryId: string, keyRef: string): FindingSubject {
  return { type: 'key', id: keyRef, name: null, entryId };
}

export function keyOverdue(
  subject: FindingSubject,
  keyArn: string,
  lastRotatedAt: string,
  ageSeconds: number,
  maxAgeSeconds: number,
): Finding {
  return {
    code: FindingCode.KeyOverdue,
    subject,
    message:
      `KMS key ${keyArn} of entry "${subject.entryId}" was last rotated ${lastRotatedAt} (${days(ageSeconds)} ago); ` +
      `its policy allows ${days(maxAgeSeconds)}.`,
    resolution:
      'Check its kms-key runs and schedule, or KMS automatic rotation (aws kms get-key-rotation-status); rotate it ' +
      'on demand with the kms-key state machine.',
  };
}

export function keyPendingDeletion(subject: FindingSubject, keyArn: string, deletionDate: Date | null): Finding {
  return {
    code: FindingCode.KeyPendingDeletion,
    subject,
    message:
      `KMS key ${keyArn} of entry "${subject.entryId}" is pending deletion` +
      `${deletionDate ? ` (deleted on ${deletionDate.toISOString()})` : ''}: whatever it encrypts is lost then.`,
    resolution:
      'If anything still needs it, cancel the deletion now: aws kms cancel-key-deletion --key-id <arn> (then enable ' +
      'it); if the alias should point at a replacement, move it there.',
  };
}

export function keyUnreadable(subject: FindingSubject, reason: string): Finding {
  return {
    code: FindingCode.KeyUnreadable,
    subject,
    message: `KMS key ${subject.id} of entry "${subject.entryId}" could not be read (${reason}).`,
    resolution:
      'NotFoundException: the alias was deleted or never made (deploy the core stack). AccessDeniedException: the ' +
      "key's key policy must let the freshness check's role DescribeKey and ListKeyRotations (output " +
      'FreshnessCheckRoleArn).',
  };
}

function days(seconds: number): string {
  const d = seconds / 86_400;
  return d >= 1 ? `${Math.floor(d * 10) / 10} days` : hours(seconds);
}

function hours(seconds: number): string {
  return `${Math.floor((seconds / 3600) * 10) / 10} hours`;
}
