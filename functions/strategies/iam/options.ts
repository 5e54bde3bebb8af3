import { InvalidStrategyOptionError } from '../errors';
import { booleanTag, integerTag, TAG_PREFIX, tagValue } from '../tag-options';
import { IAM_USER_NAME } from './secret';

/**
 * The `keyturn:iam-*` tags: the policy writes the entry's options there (infra/policy/strategy-tags.ts),
 * and the strategy keeps one bookkeeping tag of its own, the quarantine marker.
 */
export const IamTag = {
  userName: `${TAG_PREFIX}iam-user`,
  /** The user's IAM path (`/` unless the user was created with one): part of its ARN. */
  path: `${TAG_PREFIX}iam-path`,
  /** A role in the user's account that keyturn assumes to manage the user's keys (cross-account). */
  roleArn: `${TAG_PREFIX}iam-role`,
  quarantineSeconds: `${TAG_PREFIX}iam-quarantine-seconds`,
  allowReplacingUnknownKey: `${TAG_PREFIX}iam-replace-unknown-key`,
  /** `<access key id> <ISO time>`: the key keyturn deactivated last, and when (the quarantine's start). */
  deactivated: `${TAG_PREFIX}iam-deactivated`,
  /** ISO time an emergency run's pre-flight began: its createSecret may go through what others refuse. */
  emergency: `${TAG_PREFIX}iam-emergency`,
} as const;

/** How long an emergency run's mark lets createSecret through (a run that died leaves it; it expires). */
export const EMERGENCY_MARK_VALIDITY_MS = 3_600_000;

/** Whether an emergency run marked this secret within the last EMERGENCY_MARK_VALIDITY_MS. */
export function emergencyMarked(tags: Readonly<Record<string, string>>, now: Date): boolean {
  const value = tagValue(tags, IamTag.emergency);
  const since = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isFinite(since) && since <= now.getTime() && now.getTime() - since < EMERGENCY_MARK_VALIDITY_MS;
}

/** How long a deactivated key is kept (for a rollback) before it may be deleted. */
export const DEFAULT_QUARANTINE_SECONDS = 7 * 86_400;

const IAM_PATH = /^\/([\x21-\x7e]*\/)?$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

export interface IamOptions {
  readonly userName?: string;
  readonly path: string;
  readonly roleArn?: string;
  readonly quarantineMs: number;
  readonly allowReplacingUnknownKey: boolean;
}

type Tags = Readonly<Record<string, string>>;

export function iamOptionsFromTags(tags: Tags): IamOptions {
  const userName = tagValue(tags, IamTag.userName);
  if (userName !== undefined && !IAM_USER_NAME.test(userName)) {
    throw new InvalidStrategyOptionError(`tag ${IamTag.userName} is not an IAM user name: "${userName.slice(0, 70)}"`);
  }
  const path = tagValue(tags, IamTag.path) ?? '/';
  if (!IAM_PATH.test(path)) {
    throw new InvalidStrategyOptionError(
      `tag ${IamTag.path} must be an IAM path such as / or /division/, got "${path}"`,
    );
  }
  const roleArn = tagValue(tags, IamTag.roleArn);
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) {
    throw new InvalidStrategyOptionError(`tag ${IamTag.roleArn} is not an IAM role ARN: "${roleArn.slice(0, 120)}"`);
  }
  const quarantineSeconds = integerTag(tags, IamTag.quarantineSeconds) ?? DEFAULT_QUARANTINE_SECONDS;
  return {
    ...(userName === undefined ? {} : { userName }),
    path,
    ...(roleArn === undefined ? {} : { roleArn }),
    quarantineMs: quarantineSeconds * 1000,
    allowReplacingUnknownKey: booleanTag(tags, IamTag.allowReplacingUnknownKey) ?? false,
  };
}

/** The account of a role ARN (validated by iamOptionsFromTags). */
export function accountOfRole(roleArn: string): string {
  return ROLE_ARN.exec(roleArn)?.[1] ?? '';
}

/** When keyturn deactivated which key, as its marker tag says. */
export interface QuarantineMarker {
  readonly accessKeyId: string;
  readonly since: Date;
}

export function readQuarantineMarker(tags: Tags): QuarantineMarker | undefined {
  const value = tagValue(tags, IamTag.deactivated);
  const match = value === undefined ? null : /^([A-Za-z0-9]{16,128}) (\S+)$/.exec(value);
  const since = match ? new Date(match[2] ?? '') : undefined;
  if (!match || !since || Number.isNaN(since.getTime())) return undefined; // unreadable: as if absent
  return { accessKeyId: match[1] ?? '', since };
}

export function formatQuarantineMarker(marker: QuarantineMarker): string {
  return `${marker.accessKeyId} ${marker.since.toISOString()}`;
}
