import { describeTarget } from '../shared/consumer-refresh';
import {
  DRAIN_CHECK_INTERVAL_SECONDS,
  type ConsumerSettings,
  EMERGENCY_REPLICA_SYNC_MAX_WAIT_SECONDS,
  REPLICA_SYNC_CHECK_INTERVAL_SECONDS,
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
 * grace, drain and revoke, or an emergency's immediate revoke (consumers told after it). Pure; value-free.
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
  const { canary } = settings;
  const watch = settings.authFailures;
  const watchStep = (after: string, onBreach: string): string[] =>
    watch === undefined
      ? []
      : [
          `watch failed logins ${watch.windowSeconds} s after ${after} (a check every ${watch.checkIntervalSeconds} s): ` +
            `more than ${watch.threshold} ${onBreach}, and alerts`,
        ];
  return [
    ...(canary === undefined
      ? []
      : [
          `canary: a candidate labelled ${canary.label} is set up and tested at the target; AWSCURRENT stays`,
          `canary hold ${canary.windowSeconds} s (a check every ${canary.checkEverySeconds} s: the candidate ` +
            `authenticates, keeps the current privileges, passes the probe; at most ${canary.maxAuthFailures} auth ` +
            'failure(s)); a failure takes the candidate back and ends the run with nothing moved',
        ]),
    canary === undefined ? ROTATE : `${ROTATE} (with the canaried value)`,
    `${VERIFY}; a definite rejection rolls back`,
    ...replicaSteps(settings, settings.replicaSync.maxWaitSeconds, 'keep the old credential working and alert'),
    ...consumerSteps(settings.consumers),
    ...watchStep('the switch', 'rolls back (only while the previous credential still authenticates)'),
    `grace ${settings.graceSeconds} s: both credentials work${graceRaise(settings)}`,
    drain,
    `revoke the old credential${terminateSessions ? ' and end its open sessions' : ''}`,
    ...watchStep('revoke', 'reinstates the old credential where its kind can (AWSCURRENT stays)'),
  ];
}

/**
 * Telling consumers (always), then refreshing those that name an ECS service or a Lambda function; in an emergency
 * right after the revoke, so that they drop the leaked value they may cache.
 */
function consumerSteps(consumers: ConsumerSettings | undefined, emergency = false): string[] {
  const named = consumers?.consumers ?? [];
  const notify =
    `notify${emergency ? ' after the revoke' : ''}: a SecretRotated event` +
    `${emergency ? ' (emergency: true)' : ''} on the audit bus` +
    (named.length === 0 ? '' : ` naming ${named.map((c) => c.name).join(', ')}`);
  const refreshed = named.filter((c) => c.target.kind !== 'event');
  if (refreshed.length === 0) return [notify];
  return [
    notify,
    `refresh consumers: ${refreshed.map((c) => `${c.name} (${describeTarget(c.target)})`).join(', ')}; ` +
      `a failed refresh alerts, never ${emergency ? 'fails the run' : 'rolls back'}`,
  ];
}

/** Why the grace is longer than the policy's, when the consumers' cache lifetime raised it. */
function graceRaise(settings: LifecycleSettings): string {
  const declared = settings.consumers?.declaredGraceSeconds;
  return declared === undefined
    ? ''
    : ` (raised from ${declared} s to the consumers' longest cache lifetime, ${settings.consumers?.cacheSeconds ?? 0} s)`;
}

/** Replicated secrets: the wait for every replica region to serve the new AWSCURRENT, and what follows a timeout. */
function replicaSteps(settings: LifecycleSettings, maxWaitSeconds: number, otherwise: string): string[] {
  const regions = settings.replicaSync.replicaRegions ?? [];
  if (regions.length === 0) return [];
  return [
    `replica sync: wait up to ${maxWaitSeconds} s (a check every ${REPLICA_SYNC_CHECK_INTERVAL_SECONDS} s) until ` +
      `${regions.join(', ')} serve the new AWSCURRENT; if not, ${otherwise}`,
  ];
}

function emergencySteps(preflight: PreflightSummary): string[] {
  return [
    ...(preflight.currentCredentialAuthenticates
      ? []
      : ['the current credential does not authenticate: an emergency rotation goes ahead anyway']),
    ROTATE,
    `${VERIFY}; no rollback (the old one is suspected leaked)`,
    ...replicaSteps(preflight.settings, EMERGENCY_REPLICA_SYNC_MAX_WAIT_SECONDS, 'revoke anyway'),
    'no grace, no drain',
    'revoke the old credential at once, end its open sessions and take every label off the leaked version',
    ...consumerSteps(preflight.settings.consumers, true),
  ];
}
