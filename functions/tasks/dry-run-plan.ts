import {
  DRAIN_CHECK_INTERVAL_SECONDS,
  type DryRunPlan,
  type LifecycleSettings,
  type RotationRun,
} from '../shared/lifecycle-contract';
import type { PreflightSummary } from './preflight';

/** What the `plan` task is given: the run begin opened and what pre-flight found. */
export interface PlanInput {
  readonly rotation: RotationRun;
  readonly preflight: PreflightSummary;
}

/**
 * What a rotation of this secret would do, from the settings pre-flight read: the lifecycle's
 * grace, drain and revoke, or an emergency's immediate revoke. Pure; value-free.
 */
export function planDryRun({ rotation, preflight }: PlanInput): DryRunPlan {
  return {
    secretArn: preflight.secretArn,
    ...(rotation.entryId !== undefined ? { entryId: rotation.entryId } : {}),
    strategy: preflight.strategy,
    emergency: rotation.emergency,
    currentVersionId: preflight.currentVersionId,
    currentCredentialAuthenticates: preflight.currentCredentialAuthenticates,
    settings: preflight.settings,
    steps: rotation.emergency ? emergencySteps(preflight) : lifecycleSteps(preflight.settings),
  };
}

const ROTATE = 'rotate: RotateSecret runs the strategy; the new version becomes AWSCURRENT';
const VERIFY = 'verify: the new credential authenticates, can do what the old one could and passes the probe';

function lifecycleSteps(settings: LifecycleSettings): string[] {
  const { maxWaitSeconds, whenStillInUse, terminateSessions } = settings.revocation;
  const afterDrain = whenStillInUse === 'revoke' ? 'then revoke it anyway' : 'then alert and leave it working';
  const drain =
    maxWaitSeconds === 0
      ? `drain: check once whether the old credential is still in use; if it is, ${afterDrain}`
      : `drain up to ${maxWaitSeconds} s (a check every ${DRAIN_CHECK_INTERVAL_SECONDS} s) while the old credential ` +
        `is in use, ${afterDrain}`;
  const watch = settings.authFailures;
  const watchStep = (after: string, onBreach: string): string[] =>
    watch === undefined
      ? []
      : [
          `watch failed logins ${watch.windowSeconds} s after ${after} (a check every ${watch.checkIntervalSeconds} s): ` +
            `more than ${watch.threshold} ${onBreach}, and alerts`,
        ];
  return [
    ROTATE,
    `${VERIFY}; a definite rejection rolls back`,
    ...watchStep('the switch', 'rolls back (only while the previous credential still authenticates)'),
    `grace ${settings.graceSeconds} s: both credentials work`,
    drain,
    `revoke the old credential${terminateSessions ? ' and end its open sessions' : ''}`,
    ...watchStep('revoke', 'reinstates the old credential where its kind can (AWSCURRENT stays)'),
  ];
}

function emergencySteps(preflight: PreflightSummary): string[] {
  return [
    ...(preflight.currentCredentialAuthenticates
      ? []
      : ['the current credential does not authenticate: an emergency rotation goes ahead anyway']),
    ROTATE,
    `${VERIFY}; no rollback (the old one is suspected leaked)`,
    'no grace, no drain',
    'revoke the old credential at once, end its open sessions and take every label off the leaked version',
  ];
}
