import {
  DEFAULT_LIFECYCLE_SETTINGS,
  LifecycleTag,
  type AuthFailureWatchSettings,
  type LifecycleSettings,
  type RevocationSettings,
} from '../shared/lifecycle-contract';
import { InvalidLifecycleSettingError } from './errors';

type Tags = Readonly<Record<string, string>>;

function secondsTag(tags: Tags, tag: string, unit = 'seconds'): number | undefined {
  const value = tags[tag]?.trim();
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) {
    throw new InvalidLifecycleSettingError(`tag ${tag} must be a whole number of ${unit}, got "${value}"`);
  }
  return Number(value);
}

function choiceTag<T extends string>(tags: Tags, tag: string, choices: readonly T[]): T | undefined {
  const value = tags[tag]?.trim();
  if (value === undefined) return undefined;
  const choice = choices.find((c) => c === value);
  if (choice === undefined) {
    throw new InvalidLifecycleSettingError(`tag ${tag} must be ${choices.map((c) => `"${c}"`).join(' or ')}`);
  }
  return choice;
}

/** The secret's lifecycle settings from its `keyturn:*` tags (written by the policy), over the defaults. */
export function readLifecycleSettings(tags: Tags): LifecycleSettings {
  const defaults = DEFAULT_LIFECYCLE_SETTINGS;
  const terminate = choiceTag(tags, LifecycleTag.terminateSessions, ['true', 'false'] as const);
  const revocation: RevocationSettings = {
    maxWaitSeconds: secondsTag(tags, LifecycleTag.drainMaxWaitSeconds) ?? defaults.revocation.maxWaitSeconds,
    whenStillInUse:
      choiceTag(tags, LifecycleTag.whenStillInUse, ['alert', 'revoke'] as const) ?? defaults.revocation.whenStillInUse,
    terminateSessions: terminate === undefined ? defaults.revocation.terminateSessions : terminate === 'true',
  };
  const authFailures = readAuthFailureWatch(tags);
  return {
    graceSeconds: secondsTag(tags, LifecycleTag.graceSeconds) ?? defaults.graceSeconds,
    minIntervalSeconds: secondsTag(tags, LifecycleTag.minIntervalSeconds) ?? defaults.minIntervalSeconds,
    revocation,
    ...(authFailures !== undefined ? { authFailures } : {}),
  };
}

/**
 * The watch windows, when the policy gave the entry an auth-failure signal (the threshold tag is the switch; the
 * window and interval tags must come with it). A window the interval does not fit in, or a zero interval (the
 * lifecycle's loop would spin), is refused like any malformed tag.
 */
function readAuthFailureWatch(tags: Tags): AuthFailureWatchSettings | undefined {
  const threshold = secondsTag(tags, LifecycleTag.authFailuresThreshold, 'failed logins');
  const windowSeconds = secondsTag(tags, LifecycleTag.authFailuresWindowSeconds);
  const checkIntervalSeconds = secondsTag(tags, LifecycleTag.authFailuresCheckSeconds);
  if (threshold === undefined && windowSeconds === undefined && checkIntervalSeconds === undefined) return undefined;
  if (threshold === undefined || windowSeconds === undefined || checkIntervalSeconds === undefined) {
    throw new InvalidLifecycleSettingError(
      `tags ${LifecycleTag.authFailuresThreshold}, ${LifecycleTag.authFailuresWindowSeconds} and ` +
        `${LifecycleTag.authFailuresCheckSeconds} go together: the secret has only some of them`,
    );
  }
  if (checkIntervalSeconds < 1 || checkIntervalSeconds > windowSeconds) {
    throw new InvalidLifecycleSettingError(
      `tag ${LifecycleTag.authFailuresCheckSeconds} must be at least 1 and at most the window ` +
        `(${windowSeconds} s), got ${checkIntervalSeconds}`,
    );
  }
  return { threshold, windowSeconds, checkIntervalSeconds };
}
