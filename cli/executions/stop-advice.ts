/**
 * What stopping a lifecycle or emergency execution in a given state leaves behind, and what to check.
 * The lifecycle is crash-safe: every step is idempotent and pre-flight refuses to trample an unfinished
 * rotation, so a stop leaves at worst an AWSPENDING to clean up or an old credential not yet revoked.
 */
export interface StopAdvice {
  /** What the stop leaves. */
  readonly leaves: string;
  /** What the operator should check or do. */
  readonly check: string;
}

const BEFORE_ROTATION = ['Begin', 'Preflight', 'BeginFailed', 'PreflightFailed', 'ReportSkipped'];
const DURING_ROTATION = [
  'RotateSecret',
  'RotateSecretFailed',
  'Verify',
  'VerifyFailed',
  'VerifyInconclusive',
  'Rollback',
  'RollbackFailed',
];
const AFTER_VERIFY = ['Grace', 'Drain', 'DrainFailed', 'OldCredentialInUse', 'DrainWait', 'CountDrainWait'];

export function stopAdvice(lastState: string | undefined, secretName: string): StopAdvice {
  if (lastState === undefined || BEFORE_ROTATION.includes(lastState))
    return {
      leaves: 'nothing changed: the run stopped before RotateSecret',
      check: `nothing to clean up; rotate again when ready (keyturn rotate ${secretName})`,
    };
  if (DURING_ROTATION.includes(lastState))
    return {
      leaves:
        'the rotation may have started: a new version may hold AWSPENDING, or be AWSCURRENT without verification or rollback',
      check:
        `run keyturn status ${secretName}: a stuck AWSPENDING is shown with how to clear it; if AWSCURRENT moved, ` +
        `check the new credential works for the consumers (or move AWSCURRENT back to AWSPREVIOUS)`,
    };
  if (AFTER_VERIFY.includes(lastState))
    return {
      leaves:
        'the new credential is AWSCURRENT and verified; the old one (AWSPREVIOUS) was not revoked and still works',
      check: `nothing is broken; the old credential stays valid until the next rotation revokes it (keyturn rotate ${secretName}), or revoke it by hand`,
    };
  if (lastState === 'Revoke' || lastState === 'RevokeFailed')
    return {
      leaves: 'revoking the old credential may or may not have taken effect',
      check: `check whether the AWSPREVIOUS credential still works (keyturn status ${secretName}); the next rotation revokes it`,
    };
  return {
    leaves: 'the rotation itself had ended; only its report (audit event, alert) may be missing',
    check: `check the audit events (keyturn status ${secretName})`,
  };
}
