import { canaryLabelProblem, DEFAULT_CANARY_LABEL } from '../shared/canary';
import {
  consumerTagKey,
  ConsumerTag,
  MAX_CONSUMER_TAGS,
  parseConsumerTag,
  type ConsumerRefresh,
} from '../shared/consumer-refresh';
import {
  type CanarySettings,
  DEFAULT_CANARY_CHECK_EVERY_SECONDS,
  DEFAULT_LIFECYCLE_SETTINGS,
  LifecycleTag,
  type ConsumerSettings,
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
  const declaredGrace = secondsTag(tags, LifecycleTag.graceSeconds) ?? defaults.graceSeconds;
  const consumers = readConsumerSettings(tags, declaredGrace);
  const canary = readCanarySettings(tags);
  const authFailures = readAuthFailureWatch(tags);
  return {
    // Never shorter than the consumers' caches: a cached old value must not outlive the old credential.
    graceSeconds: Math.max(declaredGrace, consumers?.cacheSeconds ?? 0),
    minIntervalSeconds: secondsTag(tags, LifecycleTag.minIntervalSeconds) ?? defaults.minIntervalSeconds,
    revocation,
    ...(consumers ? { consumers } : {}),
    ...(canary !== undefined ? { canary } : {}),
    ...(authFailures !== undefined ? { authFailures } : {}),
    replicaSync: {
      maxWaitSeconds: secondsTag(tags, LifecycleTag.replicaSyncMaxWaitSeconds) ?? defaults.replicaSync.maxWaitSeconds,
    },
  };
}

/** The consumers the `keyturn:consumer-*` tags name, in tag order; undefined when there are none. */
function readConsumerSettings(tags: Tags, declaredGrace: number): ConsumerSettings | undefined {
  const consumers: ConsumerRefresh[] = [];
  for (let index = 1; index <= MAX_CONSUMER_TAGS; index++) {
    const key = consumerTagKey(index);
    const value = tags[key];
    if (value === undefined) continue;
    const parsed = parseConsumerTag(value.trim());
    if (typeof parsed === 'string') throw new InvalidLifecycleSettingError(`tag ${key} ${parsed}`);
    consumers.push(parsed);
  }
  const cacheSeconds = secondsTag(tags, ConsumerTag.cacheSeconds);
  if (consumers.length === 0 && cacheSeconds === undefined) return undefined;
  const longest = cacheSeconds ?? 0;
  return {
    consumers,
    refreshCount: consumers.filter((c) => c.target.kind !== 'event').length,
    cacheSeconds: longest,
    ...(longest > declaredGrace ? { declaredGraceSeconds: declaredGrace } : {}),
  };
}

/** The entry's canary (docs/canary.md), on when its window tag is set; refinements without a window are refused. */
export function readCanarySettings(tags: Tags): CanarySettings | undefined {
  const windowSeconds = secondsTag(tags, LifecycleTag.canaryWindowSeconds);
  const refinements = [
    LifecycleTag.canaryLabel,
    LifecycleTag.canaryCheckEverySeconds,
    LifecycleTag.canaryMaxAuthFailures,
  ];
  if (windowSeconds === undefined) {
    const stray = refinements.find((tag) => tags[tag] !== undefined);
    if (stray !== undefined) {
      throw new InvalidLifecycleSettingError(
        `tag ${stray} is set without ${LifecycleTag.canaryWindowSeconds}: set the window to turn the canary on, or remove it`,
      );
    }
    return undefined;
  }
  const label = tags[LifecycleTag.canaryLabel]?.trim() ?? DEFAULT_CANARY_LABEL;
  const problem = canaryLabelProblem(label);
  if (problem !== undefined) {
    throw new InvalidLifecycleSettingError(`tag ${LifecycleTag.canaryLabel} ${problem}, got "${label}"`);
  }
  const checkEverySeconds =
    secondsTag(tags, LifecycleTag.canaryCheckEverySeconds) ?? DEFAULT_CANARY_CHECK_EVERY_SECONDS;
  if (checkEverySeconds < 1) {
    throw new InvalidLifecycleSettingError(`tag ${LifecycleTag.canaryCheckEverySeconds} must be at least 1 second`);
  }
  return {
    label,
    windowSeconds,
    checkEverySeconds,
    maxAuthFailures: secondsTag(tags, LifecycleTag.canaryMaxAuthFailures) ?? 0,
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
