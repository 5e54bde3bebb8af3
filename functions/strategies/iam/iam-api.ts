import type { TrailEvent } from '../../shared/cloudtrail-lookup';
import type { AccessKeyPair } from './secret';

/**
 * What the strategy needs of IAM and STS, as plain functions (iam-client.ts builds them over the
 * AWS SDK; the endpoint comes from AWS_ENDPOINT_URL_IAM / _STS, so tests point them at an emulator).
 */

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccessKeyInfo {
  readonly accessKeyId: string;
  readonly status: AccessKeyStatus;
  readonly createdAt: Date;
}

export interface IssuedKey extends AccessKeyPair {
  readonly createdAt: Date;
}

export interface KeyLastUse {
  /** Absent: never used (since IAM began tracking). */
  readonly lastUsedAt?: Date;
  readonly serviceName?: string;
  readonly region?: string;
}

/**
 * The user agent keyturn's own checks send when they sign with a user's key (sts:GetCallerIdentity), so that
 * the key's usage evidence can leave them out: CloudTrail records each call's user agent.
 */
export const KEY_CHECK_USER_AGENT = 'keyturn-key-check';

/** A call signed with an access key, as CloudTrail's event history records it (management events only). */
export type SignedCall = TrailEvent;

/** One user's access keys. "Gone" answers are IAM's NoSuchEntity on a key: already deleted. */
export interface IamKeyApi {
  /** Throws IamUserNotFoundError when the user does not exist. */
  listKeys(userName: string): Promise<AccessKeyInfo[]>;
  /** `limit-exceeded`: the user already has two keys (IAM's LimitExceeded). */
  createKey(userName: string): Promise<IssuedKey | 'limit-exceeded'>;
  setStatus(userName: string, accessKeyId: string, status: AccessKeyStatus): Promise<'done' | 'gone'>;
  deleteKey(userName: string, accessKeyId: string): Promise<'deleted' | 'gone'>;
  lastUse(accessKeyId: string): Promise<KeyLastUse>;
  /**
   * cloudtrail:LookupEvents by AccessKeyId in `region`, from `since` to now, newest first, at most `limit`
   * calls (with the same credentials as the key calls: the user's account's event history).
   */
  callsSignedWith(accessKeyId: string, since: Date, region: string, limit: number): Promise<SignedCall[]>;
}

export interface CallerIdentity {
  readonly arn: string;
  readonly account: string;
}

/**
 * sts:GetCallerIdentity signed with a key: who it authenticates as, or `rejected` with STS's error
 * code (InvalidClientTokenId: unknown, inactive or deleted; SignatureDoesNotMatch: wrong secret).
 * Network failures and STS's own faults throw.
 */
export type SignedIdentity =
  { readonly ok: true; readonly identity: CallerIdentity } | { readonly ok: false; readonly code: string };

export interface IamAccess {
  /** The user's keys, through `roleArn` (sts:AssumeRole) when given, else with the function's own role. */
  keys(roleArn: string | undefined): Promise<IamKeyApi>;
  /** Signs GetCallerIdentity with `key` itself. */
  identityOf(key: AccessKeyPair): Promise<SignedIdentity>;
  /** The account the function runs in (GetCallerIdentity with its own role: needs no permission). */
  ownAccount(): Promise<string>;
}
