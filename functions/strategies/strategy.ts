import type { Logger } from '@aws-lambda-powertools/logger';
import type { Deadline } from '../shared/deadline';
import type { SecretStore, SecretVersion } from '../shared/secret-store';

/** Everything a strategy may use besides the secret's values. */
export interface StrategyContext {
  readonly secretArn: string;
  /** The rotation token (ClientRequestToken): the id of the pending version. */
  readonly token: string;
  /** The secret's tags; `keyturn:*` tags carry strategy options written by the policy. */
  readonly tags: Readonly<Record<string, string>>;
  /** To read other secrets a strategy depends on (a master secret). */
  readonly store: SecretStore;
  readonly logger: Logger;
  /** When this invocation must have answered: every wait ends before it (shared/deadline.ts). */
  readonly deadline: Deadline;
}

/** The versions a rotation step works with. */
export interface RotationVersions {
  readonly pending: SecretVersion;
  readonly current: SecretVersion;
  readonly previous?: SecretVersion;
  /**
   * Every unlabelled version, newest first, each read only when the caller gets to it (Secrets
   * Manager keeps at most 100): last-resort credentials for recovering an interrupted rotation.
   */
  readonly older: () => AsyncIterable<SecretVersion>;
}

/**
 * Why a credential does not do the consumer's job: it does not log in (`rejected`), it logs in
 * without a privilege the credential it replaces has (`privileges`), or it fails the entry's
 * probe (`probe`). Each is a definite answer from the target; unreachable targets throw instead.
 */
export type VerifyFailure = 'rejected' | 'privileges' | 'probe';

export type VerifyResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly failure: VerifyFailure;
      /** What failed, never a value: the user, the server, the missing privileges. */
      readonly reason: string;
    };

export interface VerifyOptions {
  /**
   * The credential `credential` takes over from: it must be able to do what this one could
   * (privilege parity, where the two are different users). Absent: logging in is enough.
   */
  readonly replaces?: SecretVersion;
  /** Also run the entry's read-only probe (`keyturn:probe`) with `credential`. @default false */
  readonly probe?: boolean;
}

export interface UsageReport {
  /** 'unknown' when the target gives no signal that tells the old credential's use apart. */
  readonly inUse: boolean | 'unknown';
  /** Open sessions attributable to the credential, where the target can tell. */
  readonly activeSessions?: number;
  /** A sentence for audit and alerts: what was checked and what it showed. */
  readonly evidence: string;
}

export interface RevokeOptions {
  /** Also end sessions still open with the old credential. @default false */
  readonly terminateSessions?: boolean;
  /**
   * A suspected leak (the emergency state machine): a strategy that retires credentials in
   * reversible phases (deactivate, later delete) skips to the irreversible end at once. @default false
   */
  readonly emergency?: boolean;
}

export interface RevokeResult {
  /** 'revoked': the old credential can no longer authenticate; 'not-applicable': no system holds it. */
  readonly status: 'revoked' | 'not-applicable';
  readonly terminatedSessions?: number;
  readonly detail: string;
  /**
   * The strategy itself confirmed the target now rejects the old credential, so the lifecycle
   * does not log in with it again: on servers that lock an account after failed logins
   * (MySQL's FAILED_LOGIN_ATTEMPTS, MariaDB's max_password_errors) every avoidable one counts.
   */
  readonly confirmedRejected?: boolean;
}

/**
 * How createSecret hands over a value the target issued (see {@link RotationStrategy.issuePendingValue}):
 * the value exists once, at the target, so it is stored the moment it is known.
 */
export interface PendingValueSink {
  /**
   * Stores `value` as the rotation token's AWSPENDING version. Storing the same value again is a no-op; a
   * different value under the same token fails (Secrets Manager's ResourceExistsException): a twin invocation
   * stored its own first.
   */
  store(value: string): Promise<void>;
  /** The value stored under the token now, if any: what a failed or ambiguous store left. */
  stored(): Promise<string | undefined>;
}

/**
 * One kind of secret. The four rotation steps are what Secrets Manager's rotation
 * function needs; verify, usage and revoke are what the lifecycle state machine calls
 * around them. Every method must be idempotent: any call can be repeated after a crash.
 */
export interface RotationStrategy {
  readonly name: StrategyName;
  /**
   * The value for the pending version, derived from the current one. Touches no target. Not called
   * by createSecret for a kind that defines {@link issuePendingValue}.
   */
  createPendingValue(current: SecretVersion, ctx: StrategyContext): Promise<string>;
  /**
   * For kinds whose target issues the new value and shows it only once (an IAM access key, a provider's API
   * key): createSecret calls this instead of createPendingValue, only when the pending version has no value
   * yet. It creates the value at the target and hands it to `sink.store` at once, so that a value is never
   * held only in memory; on a retry it finds and removes what an interrupted earlier attempt created and
   * never stored; it leaves at most one issued value per rotation token, and nothing behind when storing
   * fails. Resolves to whether this call stored the value (false: a concurrent attempt of the rotation did).
   */
  issuePendingValue?(current: SecretVersion, ctx: StrategyContext, sink: PendingValueSink): Promise<boolean>;
  /** Makes the target accept the pending value. */
  setSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void>;
  /**
   * Proves the pending value works against the target and can do what the current one can
   * (verify with `replaces: current, probe: true`); throws a named error if it cannot.
   */
  testSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void>;
  /**
   * Whether a credential authenticates against the target now and, as `options` ask, does the
   * consumer's job: what the credential it replaces could do, and the entry's probe.
   */
  verify(credential: SecretVersion, ctx: StrategyContext, options?: VerifyOptions): Promise<VerifyResult>;
  /** Whether `old` is still in use now that `replacement` is current. */
  usage(old: SecretVersion, replacement: SecretVersion, ctx: StrategyContext): Promise<UsageReport>;
  /**
   * Pre-flight of an emergency run (a suspected leak), before RotateSecret: a strategy whose createSecret
   * refuses states an emergency must go through (an IAM key already deactivated by whoever spotted the leak,
   * a key slot held for a rollback that will never come) records that this rotation may. Changes no credential.
   */
  prepareEmergencyRotation?(current: SecretVersion, ctx: StrategyContext): Promise<void>;
  /**
   * For kinds whose revoke can be undone (a deactivated IAM key; the old password of an alternating user or a Redis
   * user, which the previous version still holds): makes `previous` work again, never touching `current`. The
   * lifecycle's reinstate task calls it after a breach of the watch window following revoke; the rollback task only
   * where {@link rollbackReinstates} says so. Resolves to whether anything changed.
   */
  reinstate?(previous: SecretVersion, current: SecretVersion, ctx: StrategyContext): Promise<boolean>;
  /**
   * The rollback task reinstates `previous` before restoring it (an IAM key whose revoke is a reversible
   * deactivation). Kinds without it roll back only while the previous credential still authenticates. @default false
   */
  readonly rollbackReinstates?: boolean;
  /** Makes `old` stop working; never touches `replacement`. */
  revoke(
    old: SecretVersion,
    replacement: SecretVersion,
    ctx: StrategyContext,
    options?: RevokeOptions,
  ): Promise<RevokeResult>;
}

export const STRATEGY_NAMES = [
  'random',
  'postgres-single-user',
  'postgres-alternating-users',
  'mysql-single-user',
  'mysql-alternating-users',
  'redis-user',
  'elasticache-user',
  'iam-access-key',
  'http-api-key',
] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];
