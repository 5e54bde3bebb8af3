import {
  accessKeyQuotaExceeded,
  deleteConflictAccessKeys,
  noSuchAccessKey,
  noSuchUser,
  userAlreadyExists,
  validationError,
} from './errors';
import {
  newAccessKeyId,
  newRoleId,
  newSecretAccessKey,
  newSessionToken,
  newTemporaryAccessKeyId,
  newUserId,
} from './ids';

/**
 * The local IAM's model: per account, users and their access keys (at most two each, Active or
 * Inactive, usable only once the activation delay has passed), roles that sessions assume, the
 * temporary credentials those sessions hold, and when each key last signed a request. Secrets
 * live here only to verify signatures; nothing here logs them.
 */

/** IAM's quota: two access keys per user, active or not. */
export const ACCESS_KEYS_PER_USER = 2;
const USER_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const PATH = /^\/(?:[\x21-\x7e]*\/)?$/;
const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface UserRecord {
  readonly accountId: string;
  readonly userName: string;
  readonly userId: string;
  readonly path: string;
  readonly arn: string;
  readonly createdAt: Date;
}

export interface LastUse {
  readonly date: Date;
  readonly serviceName: string;
  readonly region: string;
}

export interface AccessKeyRecord {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly accountId: string;
  readonly userName: string;
  status: AccessKeyStatus;
  readonly createdAt: Date;
  /** Before this instant the key is not yet known everywhere: requests it signs are refused. */
  readonly activeFrom: Date;
  /** Once deactivated: until this instant the change has not reached everywhere and the key still works. */
  worksUntil: Date | undefined;
  lastUsed: LastUse | undefined;
}

export interface RoleRecord {
  readonly accountId: string;
  readonly roleName: string;
  readonly roleId: string;
  readonly arn: string;
  /** Who may assume it: account ids (any principal there) or principal ARNs. */
  readonly trustedPrincipals: readonly string[];
  readonly maxSessionDurationSeconds: number;
}

export interface SessionRecord {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly role: RoleRecord;
  readonly sessionName: string;
  readonly expiresAt: Date;
}

/** Who signed a request: an IAM user with its access key, or a session of an assumed role. */
export type Caller =
  | {
      readonly kind: 'user';
      readonly accountId: string;
      readonly arn: string;
      readonly accessKeyId: string;
      readonly user: UserRecord;
    }
  | {
      readonly kind: 'assumed-role';
      readonly accountId: string;
      readonly arn: string;
      readonly accessKeyId: string;
      readonly session: SessionRecord;
    };

export interface RoleInput {
  readonly roleName: string;
  /** @default the local IAM's own account */
  readonly accountId?: string;
  /** Account ids or principal ARNs allowed to assume it. @default [the local IAM's own account] */
  readonly trustedPrincipals?: readonly string[];
  /** 3600 to 43200, as IAM allows. @default 3600 */
  readonly maxSessionDurationSeconds?: number;
}

export class IamState {
  /** Per account, users by lowercased name (IAM user names are unique regardless of case). */
  private readonly users = new Map<string, Map<string, UserRecord>>();
  private readonly keys = new Map<string, AccessKeyRecord>();
  /** Every key CreateAccessKey (or a fixture) issued, deleted ones included: the chaos suite's leak check needs their secrets. */
  private readonly issued: AccessKeyRecord[] = [];
  private readonly roles = new Map<string, RoleRecord>();
  private readonly sessions = new Map<string, SessionRecord>();
  /** Deleted keys whose deletion has not reached everywhere yet: they sign until `until`. */
  private readonly retired = new Map<string, { readonly key: AccessKeyRecord; readonly until: Date }>();
  /** How long a deactivated or deleted key keeps working (IAM's eventual consistency). */
  keyRevocationDelayMs = 0;

  constructor(
    readonly defaultAccountId: string,
    private readonly now: () => Date,
    public keyActivationDelayMs: number,
  ) {}

  createUser(accountId: string, userName: string, path = '/'): UserRecord {
    if (!USER_NAME.test(userName)) {
      throw validationError(userName, 'userName', 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
    }
    if (!PATH.test(path) || path.length > 512) {
      throw validationError(
        path,
        'path',
        'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
      );
    }
    const accountUsers = this.accountUsers(accountId);
    if (accountUsers.has(userName.toLowerCase())) throw userAlreadyExists(userName);
    const user: UserRecord = {
      accountId,
      userName,
      userId: newUserId(),
      path,
      arn: `arn:aws:iam::${accountId}:user${path}${userName}`,
      createdAt: this.now(),
    };
    accountUsers.set(userName.toLowerCase(), user);
    return user;
  }

  user(accountId: string, userName: string): UserRecord {
    const user = this.findUser(accountId, userName);
    if (!user) throw noSuchUser(userName);
    return user;
  }

  findUser(accountId: string, userName: string): UserRecord | undefined {
    return this.users.get(accountId)?.get(userName.toLowerCase());
  }

  deleteUser(accountId: string, userName: string): void {
    const user = this.user(accountId, userName);
    if (this.keysOf(user).length > 0) throw deleteConflictAccessKeys();
    this.users.get(accountId)?.delete(user.userName.toLowerCase());
  }

  /** The account's users, ordered by name as IAM's ListUsers orders them (case-insensitively). */
  usersOf(accountId: string): UserRecord[] {
    return [...(this.users.get(accountId)?.values() ?? [])].sort((a, b) =>
      a.userName.toLowerCase() < b.userName.toLowerCase() ? -1 : 1,
    );
  }

  /** The user's keys, oldest first. */
  keysOf(user: UserRecord): AccessKeyRecord[] {
    return [...this.keys.values()].filter(
      (key) => key.accountId === user.accountId && key.userName.toLowerCase() === user.userName.toLowerCase(),
    );
  }

  /**
   * A new Active key for the user, counted against the two-key quota whatever the status of the
   * others. It starts to work `keyActivationDelayMs` later (IAM's eventual consistency).
   */
  createAccessKey(user: UserRecord, options: { readonly activeImmediately?: boolean } = {}): AccessKeyRecord {
    if (this.keysOf(user).length >= ACCESS_KEYS_PER_USER) throw accessKeyQuotaExceeded(ACCESS_KEYS_PER_USER);
    const createdAt = this.now();
    const delay = options.activeImmediately ? 0 : this.keyActivationDelayMs;
    const key: AccessKeyRecord = {
      accessKeyId: newAccessKeyId(),
      secretAccessKey: newSecretAccessKey(),
      accountId: user.accountId,
      userName: user.userName,
      status: 'Active',
      createdAt,
      activeFrom: new Date(createdAt.getTime() + delay),
      worksUntil: undefined,
      lastUsed: undefined,
    };
    this.keys.set(key.accessKeyId, key);
    this.issued.push(key);
    return key;
  }

  /** Registers a key pair chosen by the operator (the local stack's admin credentials). */
  importAccessKey(user: UserRecord, accessKeyId: string, secretAccessKey: string): AccessKeyRecord {
    if (this.keys.has(accessKeyId) || this.sessions.has(accessKeyId)) {
      throw new RangeError(`access key id ${accessKeyId} is already in use`);
    }
    if (this.keysOf(user).length >= ACCESS_KEYS_PER_USER) throw accessKeyQuotaExceeded(ACCESS_KEYS_PER_USER);
    const createdAt = this.now();
    const key: AccessKeyRecord = {
      accessKeyId,
      secretAccessKey,
      accountId: user.accountId,
      userName: user.userName,
      status: 'Active',
      createdAt,
      activeFrom: createdAt,
      worksUntil: undefined,
      lastUsed: undefined,
    };
    this.keys.set(accessKeyId, key);
    return key;
  }

  /** A key of this user (by AccessKeyId), as UpdateAccessKey and DeleteAccessKey find it. */
  keyOf(user: UserRecord, accessKeyId: string): AccessKeyRecord {
    const key = this.keysOf(user).find((candidate) => candidate.accessKeyId === accessKeyId);
    if (!key) throw noSuchAccessKey(accessKeyId);
    return key;
  }

  /** A key anywhere in the account (GetAccessKeyLastUsed). */
  keyInAccount(accountId: string, accessKeyId: string): AccessKeyRecord {
    const key = this.keys.get(accessKeyId);
    if (key?.accountId !== accountId) throw noSuchAccessKey(accessKeyId);
    return key;
  }

  /** UpdateAccessKey: deactivation reaches everywhere `keyRevocationDelayMs` later; reactivation at once. */
  setStatus(key: AccessKeyRecord, status: AccessKeyStatus): void {
    if (status === 'Inactive' && key.status === 'Active') {
      key.worksUntil = new Date(this.now().getTime() + this.keyRevocationDelayMs);
    }
    if (status === 'Active') key.worksUntil = undefined;
    key.status = status;
  }

  deleteAccessKey(key: AccessKeyRecord): void {
    this.keys.delete(key.accessKeyId);
    const now = this.now();
    const until =
      key.status === 'Active' ? new Date(now.getTime() + this.keyRevocationDelayMs) : (key.worksUntil ?? now);
    if (until > now) this.retired.set(key.accessKeyId, { key, until });
  }

  /** A long-term key by id, or undefined (deleted or never issued). */
  findKey(accessKeyId: string): AccessKeyRecord | undefined {
    return this.keys.get(accessKeyId);
  }

  /**
   * The long-term key that may sign a request now: Active and past its activation delay, or
   * deactivated or deleted so recently that the change has not reached everywhere.
   */
  signingKey(accessKeyId: string, now: Date): AccessKeyRecord | undefined {
    const key = this.keys.get(accessKeyId);
    if (key) {
      if (key.status === 'Active') return now >= key.activeFrom ? key : undefined;
      return key.worksUntil !== undefined && now < key.worksUntil ? key : undefined;
    }
    const retired = this.retired.get(accessKeyId);
    if (!retired) return undefined;
    if (now < retired.until) return retired.key;
    this.retired.delete(accessKeyId);
    return undefined;
  }

  findSession(accessKeyId: string): SessionRecord | undefined {
    return this.sessions.get(accessKeyId);
  }

  allKeys(): AccessKeyRecord[] {
    return [...this.keys.values()];
  }

  /** Every key ever issued (not imported), deleted ones included, oldest first. */
  issuedKeys(): readonly AccessKeyRecord[] {
    return this.issued;
  }

  createRole(input: RoleInput): RoleRecord {
    const accountId = input.accountId ?? this.defaultAccountId;
    if (!ACCOUNT_ID.test(accountId)) throw new RangeError(`account id must be 12 digits, got ${accountId}`);
    if (!ROLE_NAME.test(input.roleName)) throw new RangeError(`invalid role name: ${input.roleName}`);
    const maxSessionDurationSeconds = input.maxSessionDurationSeconds ?? 3600;
    if (
      !Number.isInteger(maxSessionDurationSeconds) ||
      maxSessionDurationSeconds < 3600 ||
      maxSessionDurationSeconds > 43_200
    ) {
      throw new RangeError('maxSessionDurationSeconds must be a whole number from 3600 to 43200');
    }
    const arn = `arn:aws:iam::${accountId}:role/${input.roleName}`;
    if (this.roles.has(arn)) throw new RangeError(`role ${arn} already exists`);
    const role: RoleRecord = {
      accountId,
      roleName: input.roleName,
      roleId: newRoleId(),
      arn,
      trustedPrincipals: [...(input.trustedPrincipals ?? [this.defaultAccountId])],
      maxSessionDurationSeconds,
    };
    this.roles.set(arn, role);
    return role;
  }

  /** The role an ARN names, or undefined (malformed ARNs included: AssumeRole then denies). */
  findRole(roleArn: string): RoleRecord | undefined {
    const match = ROLE_ARN.exec(roleArn);
    if (!match) return undefined;
    return this.roles.get(`arn:aws:iam::${match[1] ?? ''}:role/${match[2] ?? ''}`);
  }

  startSession(role: RoleRecord, sessionName: string, durationSeconds: number): SessionRecord {
    const session: SessionRecord = {
      accessKeyId: newTemporaryAccessKeyId(),
      secretAccessKey: newSecretAccessKey(),
      sessionToken: newSessionToken(),
      role,
      sessionName,
      expiresAt: new Date(this.now().getTime() + durationSeconds * 1000),
    };
    this.sessions.set(session.accessKeyId, session);
    return session;
  }

  private accountUsers(accountId: string): Map<string, UserRecord> {
    let accountUsers = this.users.get(accountId);
    if (!accountUsers) {
      accountUsers = new Map();
      this.users.set(accountId, accountUsers);
    }
    return accountUsers;
  }
}

/** Whether `caller` may assume `role`: its account, or its own ARN, is trusted. */
export function isTrusted(role: RoleRecord, caller: Caller): boolean {
  const principalArns = caller.kind === 'user' ? [caller.arn] : [caller.arn, caller.session.role.arn];
  return role.trustedPrincipals.some(
    (principal) => principal === caller.accountId || principalArns.includes(principal),
  );
}
