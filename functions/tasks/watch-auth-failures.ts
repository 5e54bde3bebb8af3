import type { AuthFailureCount } from '../shared/auth-failure-signal';
import {
  AuditEventType,
  type AuthFailureWatchSettings,
  type RotationRun,
  type WatchPhase,
} from '../shared/lifecycle-contract';
import { LifecycleMetric } from '../shared/metric-names';
import { STRATEGY_TAG } from '../strategies/tag-options';
import { auditSubject, nowOf, type TaskDeps } from './deps';
import { AuthFailuresAfterRevokeError, AuthFailuresAfterSwitchError } from './errors';
import { addLifecycleMetric, Count } from './lifecycle-metrics';

/** Where a watch window stands, as the state machine carries it between checks (value-free). */
export interface WatchState {
  /** ISO 8601: when the window opened (its first check); absent before that check. */
  readonly startedAt?: string;
  /** Seconds of the window waited so far (the state machine's waits, counted, not the wall clock). */
  readonly waitedSeconds: number;
}

export interface WatchInput {
  readonly secretArn: string;
  readonly rotation: RotationRun;
  readonly phase: WatchPhase;
  /** Pre-flight's settings for the windows (the state machine's waits use the same). */
  readonly settings: AuthFailureWatchSettings;
  readonly watch: WatchState;
}

export interface WatchOutput extends WatchState {
  readonly startedAt: string;
  /** Failed logins from the window's start until now; absent when the signal could not be read. */
  readonly failures?: number;
  readonly observed: boolean;
  /** The window is over (waited its length) without a breach: the lifecycle goes on. */
  readonly done: boolean;
}

/** What a breach does next, in the alert's words. */
const BREACH_ACTION: Record<WatchPhase, string> = {
  switch: 'rolling back (AWSCURRENT back to the previous version, only while it still authenticates)',
  revoke: 'reinstating the old credential where its kind can (AWSCURRENT stays)',
};

/**
 * One check of an auth-failure watch window: reads the entry's signal from the window's start until now and
 * compares it with the policy's threshold. More failures than the threshold is a breach: recorded (audit
 * `AuthFailuresDetected`, the M4 metric) and thrown as `AuthFailuresAfterSwitchError` / `...AfterRevokeError`, which
 * the state machine catches into a rollback or a reinstate and an alert. A window that ends within the threshold
 * records `AuthFailureWatchPassed`. A signal that cannot be read is logged and the window goes on (a metric that
 * cannot be read never rolls anything back); the end of such a window says `observed: false`. Changes nothing
 * else: a retry or a twin reads again and at worst records the same event twice.
 */
export async function watchAuthFailures(input: WatchInput, deps: TaskDeps): Promise<WatchOutput> {
  const { rotation: run, phase, settings } = input;
  const description = await deps.store.describe(input.secretArn);
  const strategy = description.tags[STRATEGY_TAG];
  const until = nowOf(deps);
  // The first check opens the window; each later one follows a wait of one interval.
  const opening = input.watch.startedAt === undefined;
  const since = opening ? until : new Date(input.watch.startedAt);
  const count: AuthFailureCount = deps.authFailures
    ? await deps.authFailures({
        secretArn: description.arn,
        ...(run.entryId !== undefined ? { entryId: run.entryId } : {}),
        tags: description.tags,
        since,
        until,
      })
    : { observed: false, reason: 'the function has no auth-failure reader' };
  const waitedSeconds = input.watch.waitedSeconds + (opening ? 0 : settings.checkIntervalSeconds);
  const startedAt = since.toISOString();
  const done = waitedSeconds >= settings.windowSeconds;
  const subject = auditSubject(run, description.arn, strategy);
  const window = {
    phase,
    threshold: settings.threshold,
    windowSeconds: settings.windowSeconds,
    watchedSeconds: Math.min(waitedSeconds, settings.windowSeconds),
    since: startedAt,
    until: until.toISOString(),
  };
  if (!count.observed) {
    deps.logger.warn('auth-failure signal not readable: the window goes on', { phase, reason: count.reason });
    if (done) {
      await deps.audit.record(subject, {
        type: AuditEventType.AuthFailureWatchPassed,
        facts: { ...window, observed: false, reason: count.reason },
      });
    }
    return { startedAt, waitedSeconds, observed: false, done };
  }
  const evidence = { ...window, failures: count.failures, source: count.source };
  if (count.failures > settings.threshold) {
    addLifecycleMetric(deps.metrics, strategy, LifecycleMetric.AuthFailuresAfterRotation, Count, count.failures);
    await deps.audit.record(subject, {
      type: AuditEventType.AuthFailuresDetected,
      facts: { ...evidence, action: phase === 'switch' ? 'rollback' : 'reinstate' },
    });
    const message =
      `${count.failures} failed logins (threshold ${settings.threshold}) in the ${window.watchedSeconds} s after ` +
      `${phase === 'switch' ? 'the switch' : 'revoke'} of secret ${description.arn}, from ${count.source} ` +
      `(${window.since} to ${window.until}): ${BREACH_ACTION[phase]}`;
    throw phase === 'switch' ? new AuthFailuresAfterSwitchError(message) : new AuthFailuresAfterRevokeError(message);
  }
  if (done) {
    addLifecycleMetric(deps.metrics, strategy, LifecycleMetric.AuthFailuresAfterRotation, Count, count.failures);
    await deps.audit.record(subject, {
      type: AuditEventType.AuthFailureWatchPassed,
      facts: { ...evidence, observed: true },
    });
  }
  deps.logger.info('auth-failure watch checked', { ...evidence, done });
  return { startedAt, waitedSeconds, failures: count.failures, observed: true, done };
}
