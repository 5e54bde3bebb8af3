import { createHash } from 'node:crypto';
import type { LocalRedis } from '../databases/redis';
import { invalidParameterCombination, invalidParameterValue, invalidUserState, userNotFound } from './errors';

/**
 * The model of the local ElastiCache's RBAC users. Passwords are kept only as SHA-256 hashes
 * (what Redis stores). A user may be backed by a real local redis-server: every password change
 * is applied there with `ACL SETUSER <name> resetpass #<sha256>...` (its other rules kept) after
 * `modifyDelayMs`, during which the user is `modifying`, as ElastiCache propagates a change to
 * the clusters of the user's groups.
 */

export type AuthenticationType = 'password' | 'no-password' | 'iam';

export interface ElastiCacheUserInput {
  readonly userId: string;
  readonly userName: string;
  /** Plaintext passwords (one or two) for a `password` user; stored hashed. */
  readonly passwords?: readonly string[];
  /** @default 'password' */
  readonly authenticationType?: AuthenticationType;
  /** Shown by DescribeUsers; when given with `redis`, applied there too (`reset` first). @default 'on ~* +@all' */
  readonly accessString?: string;
  /** The local Redis whose ACL user `userName` gets every password change. */
  readonly redis?: LocalRedis;
  readonly engine?: 'redis' | 'valkey';
}

export interface UserRecord {
  readonly userId: string;
  readonly userName: string;
  readonly engine: string;
  readonly accessString: string;
  readonly arn: string;
  status: string;
  authenticationType: AuthenticationType;
  passwordHashes: string[];
  readonly redis: LocalRedis | undefined;
}

/** A password change as ModifyUser asks for it (plaintext only in flight, never stored). */
export interface PasswordChange {
  readonly passwords?: readonly string[];
  readonly authenticationType?: string;
  readonly noPasswordRequired?: boolean;
  readonly accessStringGiven: boolean;
}

export const MIN_PASSWORD_LENGTH = 16;
export const MAX_PASSWORD_LENGTH = 128;
const FORBIDDEN = /[,"/@]/;
const PRINTABLE = /^[\x21-\x7e]+$/;
const USER_ID = /^[a-zA-Z][a-zA-Z0-9-]*$/;

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** ElastiCache's password rules; messages never quote the password. */
function checkPasswords(passwords: readonly string[]): void {
  if (passwords.length < 1 || passwords.length > 2) {
    throw invalidParameterValue('A user may have one or two passwords.');
  }
  for (const password of passwords) {
    if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
      throw invalidParameterValue(
        `Passwords length must be between ${MIN_PASSWORD_LENGTH}-${MAX_PASSWORD_LENGTH} characters.`,
      );
    }
    if (!PRINTABLE.test(password) || FORBIDDEN.test(password)) {
      throw invalidParameterValue('Passwords must be printable characters other than spaces, comma, ", / and @.');
    }
  }
}

export class ElastiCacheState {
  private readonly users = new Map<string, UserRecord>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Errors applying changes to Redis (names and messages only). */
  readonly applyErrors: string[] = [];

  constructor(
    private readonly location: { readonly region: string; readonly accountId: string },
    public modifyDelayMs: number,
  ) {}

  arnOf(userId: string): string {
    return `arn:aws:elasticache:${this.location.region}:${this.location.accountId}:user:${userId}`;
  }

  async addUser(input: ElastiCacheUserInput): Promise<UserRecord> {
    if (!USER_ID.test(input.userId)) throw new RangeError(`not an ElastiCache user id: ${input.userId}`);
    const type = input.authenticationType ?? 'password';
    const passwords = input.passwords ?? [];
    if (type === 'password') checkPasswords(passwords);
    const record: UserRecord = {
      userId: input.userId,
      userName: input.userName,
      engine: input.engine ?? 'redis',
      accessString: input.accessString ?? 'on ~* +@all',
      arn: this.arnOf(input.userId),
      status: 'active',
      authenticationType: type,
      passwordHashes: passwords.map(sha256),
      redis: input.redis,
    };
    if (input.redis) {
      const rules = input.accessString ? ['reset', ...input.accessString.split(/\s+/).filter(Boolean)] : ['resetpass'];
      const auth = type === 'no-password' ? ['nopass'] : record.passwordHashes.map((h) => `#${h}`);
      await input.redis.admin('ACL', 'SETUSER', record.userName, ...rules, ...auth);
    }
    this.users.set(record.userId, record);
    return record;
  }

  removeUser(userId: string): void {
    this.users.delete(userId);
  }

  setStatus(userId: string, status: string): void {
    this.get(userId).status = status;
  }

  get(userId: string): UserRecord {
    const user = this.users.get(userId);
    if (!user) throw userNotFound(userId);
    return user;
  }

  find(userId: string): UserRecord | undefined {
    return this.users.get(userId);
  }

  describe(userId: string | undefined): UserRecord[] {
    if (userId !== undefined) return [this.get(userId)];
    return [...this.users.values()];
  }

  /** ModifyUser's password part: checks, marks the user `modifying`, applies after the delay. */
  modify(userId: string, change: PasswordChange): UserRecord {
    const user = this.get(userId);
    if (change.accessStringGiven) {
      throw invalidParameterValue('The local ElastiCache does not change access strings.');
    }
    if (change.noPasswordRequired !== undefined && (change.passwords || change.authenticationType)) {
      throw invalidParameterCombination('NoPasswordRequired cannot be combined with passwords or AuthenticationMode.');
    }
    const type = change.authenticationType ?? (change.noPasswordRequired ? 'no-password-required' : 'password');
    if (type !== 'password') {
      throw invalidParameterValue(`The local ElastiCache emulates only password authentication, not ${type}.`);
    }
    if (!change.passwords) throw invalidParameterValue('Passwords are required for password authentication.');
    checkPasswords(change.passwords);
    if (user.status !== 'active') throw invalidUserState(userId, user.status);
    const hashes = change.passwords.map(sha256);
    user.status = 'modifying';
    user.authenticationType = 'password';
    const applied = this.apply(user, hashes);
    this.inFlight.add(applied);
    void applied.finally(() => this.inFlight.delete(applied));
    return user;
  }

  private async apply(user: UserRecord, hashes: string[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.modifyDelayMs));
    try {
      if (user.redis) {
        await user.redis.admin('ACL', 'SETUSER', user.userName, 'resetpass', ...hashes.map((h) => `#${h}`));
      }
      user.passwordHashes = hashes;
    } catch (error) {
      this.applyErrors.push(error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown');
    } finally {
      if (user.status === 'modifying') user.status = 'active';
    }
  }

  /** Resolves once every pending change has been applied. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
