import {
  DEFAULT_LIFECYCLE_SETTINGS,
  LifecycleTag,
  type LifecycleSettings,
  type RevocationSettings,
} from '../shared/lifecycle-contract';
import { InvalidLifecycleSettingError } from './errors';

type Tags = Readonly<Record<string, string>>;

function secondsTag(tags: Tags, tag: string): number | undefined {
  const value = tags[tag]?.trim();
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) {
    throw new InvalidLifecycleSettingError(`tag ${tag} must be a whole number of seconds, got "${value}"`);
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
  return {
    graceSeconds: secondsTag(tags, LifecycleTag.graceSeconds) ?? defaults.graceSeconds,
    minIntervalSeconds: secondsTag(tags, LifecycleTag.minIntervalSeconds) ?? defaults.minIntervalSeconds,
    revocation,
    replicaSync: {
      maxWaitSeconds: secondsTag(tags, LifecycleTag.replicaSyncMaxWaitSeconds) ?? defaults.replicaSync.maxWaitSeconds,
    },
  };
}
