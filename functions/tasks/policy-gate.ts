import type { LifecycleSettings, RotationRun } from '../shared/lifecycle-contract';
import { parseScheduleExpression, startOfUtcDay } from '../shared/rotation-schedule';
import type { SecretDescription } from '../shared/secret-store';
import { activeBlackout, type Blackout } from './blackouts';
import { BlackoutPeriodError, MinimumIntervalError, RotationWindowClosedError } from './errors';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * When a scheduled window closes, as Secrets Manager defines it: `Duration` after it opens; without
 * a Duration, one hour for an hourly rate and the end of the UTC day otherwise.
 */
export function windowEnd(scheduledTime: Date, description: SecretDescription): Date {
  const hours = /^(\d{1,2})h$/.exec(description.rotationWindow ?? '')?.[1];
  if (hours !== undefined) return new Date(scheduledTime.getTime() + Number(hours) * HOUR_MS);
  const expression = description.rotationScheduleExpression;
  if (expression !== undefined && parseScheduleExpression(expression).kind === 'hours') {
    return new Date(scheduledTime.getTime() + HOUR_MS);
  }
  return new Date(startOfUtcDay(scheduledTime).getTime() + DAY_MS);
}

/**
 * Whether the policy lets this rotation start now: inside its scheduled window, outside every
 * blackout, and not sooner than the minimum interval after the last rotation. An emergency
 * rotation skips all three. Throws a RotationSkippedError subclass naming the rule.
 */
export function assertRotationAllowed(
  run: RotationRun,
  description: SecretDescription,
  settings: LifecycleSettings,
  blackouts: readonly Blackout[],
  now: Date,
): void {
  if (run.emergency) return;
  if (run.trigger === 'schedule' && run.scheduledTime !== undefined) {
    const scheduled = new Date(run.scheduledTime);
    const closesAt = windowEnd(scheduled, description);
    if (!Number.isNaN(scheduled.getTime()) && now > closesAt) {
      throw new RotationWindowClosedError(
        `the rotation window scheduled at ${run.scheduledTime} closed at ${closesAt.toISOString()}`,
      );
    }
  }
  const blackout = activeBlackout(blackouts, now);
  if (blackout) {
    throw new BlackoutPeriodError(
      `a blackout runs until ${blackout.end.toISOString()}${blackout.reason ? ` (${blackout.reason})` : ''}`,
    );
  }
  const last = description.lastRotatedAt;
  if (last !== undefined && settings.minIntervalSeconds > 0) {
    const allowedFrom = new Date(last.getTime() + settings.minIntervalSeconds * 1000);
    if (now < allowedFrom) {
      throw new MinimumIntervalError(
        `secret ${description.arn} rotated at ${last.toISOString()}; the minimum interval allows the next rotation from ${allowedFrom.toISOString()}`,
      );
    }
  }
}
