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
  /** Space-separated regions whose CloudTrail event history the usage check reads, or `none`. */
  cloudTrailRegions: `${TAG_PREFIX}iam-cloudtrail-regions`,
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
/** An AWS region name (us-east-1, eu-central-2, us-gov-west-1, ap-southeast-4). */
export const AWS_REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** The value of the cloudTrailRegions tag that turns CloudTrail lookups off. */
export const NO_CLOUDTRAIL_REGIONS = 'none';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

export interface IamOptions {
  readonly userName?: string;
  readonly path: string;
  readonly roleArn?: string;
  readonly quarantineMs: number;
  readonly allowReplacingUnknownKey: boolean;
  /** Regions whose CloudTrail event history the usage check reads ([] none); absent: the function's own. */
  readonly cloudTrailRegions?: readonly string[];
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
  const cloudTrailRegions = cloudTrailRegionsOf(tagValue(tags, IamTag.cloudTrailRegions));
  return {
    ...(userName === undefined ? {} : { userName }),
    path,
    ...(roleArn === undefined ? {} : { roleArn }),
    quarantineMs: quarantineSeconds * 1000,
    allowReplacingUnknownKey: booleanTag(tags, IamTag.allowReplacingUnknownKey) ?? false,
    ...(cloudTrailRegions === undefined ? {} : { cloudTrailRegions }),
  };
}

function cloudTrailRegionsOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (value === NO_CLOUDTRAIL_REGIONS) return [];
  const regions = value.split(/\s+/).filter((r) => r !== '');
  const bad = regions.find((r) => !AWS_REGION_NAME.test(r));
  if (regions.length === 0 || bad !== undefined) {
    throw new InvalidStrategyOptionError(
      `tag ${IamTag.cloudTrailRegions} must be AWS regions separated by spaces, or "${NO_CLOUDTRAIL_REGIONS}", got "${value.slice(0, 120)}"`,
    );
  }
  return [...new Set(regions)];
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
