import { keySettingsSchema, type KeySettings } from '../../functions/kms-key/run-input';
import { durationSeconds } from './duration';

/**
 * A key entry's `settings` as the policy writes them (durations as `30m`, `24h`, `7d`) and as a kms-key run takes
 * them (`functions/kms-key/run-input.ts`: seconds and days). The run input's schema is the one source of the
 * settings' shape, bounds and defaults: the policy converts, then lets that schema check and complete.
 */

/** The policy's name for each run-input setting: a `…Seconds` setting is written as a duration. */
export const KEY_SETTING_NAMES = {
  graceSeconds: 'grace',
  drainCheckSeconds: 'drainCheckEvery',
  drainChecks: 'drainChecks',
  whenStillInUse: 'whenStillInUse',
  keepForVerificationSeconds: 'keepForVerification',
  canaryWatchSeconds: 'canaryWatch',
  deletionWindowDays: 'deletionWindowDays',
  onDemandRotationLimit: 'onDemandRotationLimit',
} as const satisfies { readonly [K in keyof KeySettings]-?: string };

type RunSetting = keyof typeof KEY_SETTING_NAMES;
export type KeySettingName = (typeof KEY_SETTING_NAMES)[RunSetting];

/** The settings as written in the policy: the run input's, renamed, with durations as strings. */
export type KeySettingsInput = {
  readonly [K in RunSetting as (typeof KEY_SETTING_NAMES)[K]]?: K extends `${string}Seconds` ? string : KeySettings[K];
};

/** A setting the run would refuse, named as the policy names it. */
export interface KeySettingProblem {
  readonly setting: KeySettingName;
  readonly message: string;
}

const isSecondsSetting = (name: RunSetting): boolean => name.endsWith('Seconds');
const RUN_SETTINGS = Object.keys(KEY_SETTING_NAMES) as RunSetting[];
const BY_POLICY_NAME = new Map<string, RunSetting>(RUN_SETTINGS.map((name) => [KEY_SETTING_NAMES[name], name]));

/**
 * The run input's settings for what the policy wrote: converted, checked by the run input's own schema, its
 * defaults applied. Problems name the policy's field and show the value written.
 */
export function resolveKeySettings(
  written: KeySettingsInput = {},
): { readonly settings: KeySettings; readonly problems: readonly [] } | { readonly problems: KeySettingProblem[] } {
  const raw: Record<string, unknown> = {};
  for (const [policyName, value] of Object.entries(written as Readonly<Record<string, unknown>>)) {
    const name = BY_POLICY_NAME.get(policyName);
    if (name === undefined || value === undefined) continue;
    if (!isSecondsSetting(name)) raw[name] = value;
    else if (typeof value === 'string' && durationSeconds(value) !== undefined) raw[name] = durationSeconds(value);
    // else: not a duration, which the policy's own pattern reports
  }
  const parsed = keySettingsSchema.safeParse(raw);
  if (parsed.success) return { settings: parsed.data, problems: [] };
  return {
    problems: parsed.error.issues.map((issue) => {
      const name = issue.path[0] as RunSetting;
      const setting = KEY_SETTING_NAMES[name];
      return { setting, message: describeIssue(issue, isSecondsSetting(name), written[setting]) };
    }),
  };
}

function describeIssue(
  issue: { readonly code: string; readonly message: string; readonly maximum?: unknown; readonly minimum?: unknown },
  seconds: boolean,
  written: unknown,
): string {
  const got = `got ${typeof written === 'string' ? written : JSON.stringify(written)}`;
  const bound = (value: unknown): string =>
    seconds && typeof value === 'number' ? formatDuration(value) : String(value);
  if (issue.code === 'too_big') return `must be at most ${bound(issue.maximum)}, ${got}`;
  if (issue.code === 'too_small') return `must be at least ${bound(issue.minimum)}, ${got}`;
  return `${issue.message}, ${got}`;
}

/** Seconds as the policy writes a duration (`365d`, `6h`, `90m`, `45s`); beyond a day and not whole: `about 20.5 days`. */
export function formatDuration(seconds: number): string {
  if (seconds > 86_400 && seconds % 86_400 !== 0) return `about ${(seconds / 86_400).toFixed(1)} days`;
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ] as const) {
    if (seconds !== 0 && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/**
 * What one Task state of `statemachines/kms-key.asl.json` may take, retries included: its 120 s timeout over five
 * attempts and their backoff (about 11 minutes), rounded up.
 */
const TASK_ALLOWANCE_SECONDS = 15 * 60;
/**
 * Task states of a replacement besides the drain checks: Begin, CreateReplacement, SwitchAlias, DisableOld,
 * CheckCanary, ScheduleDeletion, and on a late failure Rollback, then Report; one spare.
 */
const REPLACEMENT_TASKS = 9;
/**
 * An on-demand rotation: Begin, RotateOnDemand, Report, and VerifyOnDemand, which waits for KMS across up to 31
 * invocations of 300 s (its DeadlineExceededError retries): about 3.4 hours at most.
 */
const ON_DEMAND_RUN_SECONDS = 4 * 3_600;

/** A Standard workflow runs for at most a year. */
export const MAX_RUN_SECONDS = 365 * 86_400;

/**
 * The longest a kms-key run with `settings` may take: an on-demand rotation, or a replacement's waits (grace, the
 * drain checks and the waits between them, a signing key's verification hold beyond the grace, the canary watch)
 * and its tasks. What the state machine's timeout must allow.
 */
export function keyRunSeconds(settings: KeySettings): number {
  const waits =
    settings.graceSeconds +
    (settings.drainChecks - 1) * settings.drainCheckSeconds +
    Math.max(0, settings.keepForVerificationSeconds - settings.graceSeconds) +
    settings.canaryWatchSeconds;
  const tasks = (REPLACEMENT_TASKS + settings.drainChecks) * TASK_ALLOWANCE_SECONDS;
  return Math.max(ON_DEMAND_RUN_SECONDS, waits + tasks);
}
