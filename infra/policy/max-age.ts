import { longestIntervalMs, startOfUtcDay, validateRotationRules } from '../../functions/shared/rotation-schedule';
import type { ResolvedKey } from './resolve-keys';

/**
 * How old a secret or a key may grow before the hourly freshness check calls it overdue: one rule for both, so a
 * key's bound and a secret's `keyturn:max-age-seconds` tag mean the same thing.
 */

/** Slack on top of the schedule before anything counts as overdue: one freshness check period. */
export const OVERDUE_SLACK_SECONDS = 3_600;

const DAY_SECONDS = 86_400;

/** A schedule as the policy writes it (`rate(…)` or `cron(…)`, and the window it may start within). */
export interface PolicySchedule {
  readonly expression: string;
  readonly window?: string;
}

/**
 * The longest gap the schedule allows, its window, and an hour of slack. Undefined for a cron that fires less than
 * twice a year (no check then). Cron gaps are measured over the year from `from` (midnight UTC today by default, so
 * a synthesis gives the same answer all day).
 */
export function scheduleMaxAgeSeconds(
  schedule: PolicySchedule,
  from: Date = startOfUtcDay(new Date()),
): number | undefined {
  const { schedule: parsed, windowHours } = validateRotationRules({
    ScheduleExpression: schedule.expression,
    Duration: schedule.window,
  });
  const longest = parsed && longestIntervalMs(parsed, from);
  if (longest === undefined) return undefined;
  return Math.round(longest / 1000) + (windowHours ?? 0) * 3_600 + OVERDUE_SLACK_SECONDS;
}

/**
 * KMS's automatic rotation: its period, a day (KMS rotates on a date, at a time of its choosing) and the slack. The
 * period is written in days from 90 to 2,560, beyond what a `rate()` schedule may say, so it is not one.
 */
export function automaticRotationMaxAgeSeconds(periodDays: number): number {
  return (periodDays + 1) * DAY_SECONDS + OVERDUE_SLACK_SECONDS;
}

/**
 * How old a key's current material (or, for a replaced key, the key its alias points at) may grow: the tighter of
 * KMS's automatic rotation and keyturn's schedule, since the policy asks for both when it names both. Undefined
 * when neither bounds it (a yearly-or-rarer cron only).
 */
export function keyMaxAgeSeconds(key: ResolvedKey, from?: Date): number | undefined {
  const bounds = [
    ...(key.automaticRotation ? [automaticRotationMaxAgeSeconds(key.automaticRotation.periodDays)] : []),
    ...(key.schedule ? [scheduleMaxAgeSeconds(key.schedule, from)] : []),
  ].filter((bound): bound is number => bound !== undefined);
  return bounds.length === 0 ? undefined : Math.min(...bounds);
}
