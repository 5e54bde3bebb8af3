import { generatePassword } from '../../functions/shared/password';
import { redisPasswordHash } from '../../functions/strategies/redis/acl';
import { isRejectedCredential } from '../../functions/strategies/redis/connection';
import {
  openRespConnection,
  RedisCommandError,
  type RespConnection,
} from '../../functions/strategies/redis/resp-client';
import { RespError, Sensitive, type RespArg, type RespValue } from '../../functions/strategies/redis/resp-parser';
import { REDIS_MASTER_ACL_RULES } from '../../functions/strategies/redis/user';
import { freeLoopbackPort } from '../net/free-port';
import { startRedisServer } from './redis-server';

/** A connection kept open as one user, e.g. a client that keeps using an old password. */
export interface RedisClientSession {
  /** The server's id for this connection. */
  readonly id: number;
  /** One command; an error reply is thrown as RedisCommandError. */
  call(...command: RespArg[]): Promise<RespValue>;
  /** Whether the server still serves this connection (false once it was killed or closed). */
  isOpen(): boolean;
  close(): Promise<void>;
}

/**
 * A throwaway Redis on loopback with real ACL password checks; the `default` user is off.
 * The master user has keyturn's least-privilege master ACL (see REDIS_MASTER_ACL_RULES), not
 * `+@all`: tests run the strategy as a user would deploy it.
 */
export interface LocalRedis {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Whether the server speaks TLS only (then secrets carry "ssl": true). */
  readonly tls: boolean;
  readonly masterUser: string;
  readonly masterPassword: string;
  /** Milliseconds redis-server took to become ready. */
  readonly startupMs: number;
  /**
   * The `ACL LOG` (every entry), read as a monitoring user that may run only that: what
   * ElastiCache reads to publish AuthenticationFailures (the master's least-privilege ACL lacks it).
   */
  aclLog(): Promise<RespValue>;
  /** Runs a command as the master user (test setup and assertions); error replies are thrown. */
  admin(...command: RespArg[]): Promise<RespValue>;
  /** Whether `user` / `password` can log in right now. */
  canLogin(user: string, password: string): Promise<boolean>;
  /** An open connection as `user` (no client name: it looks like an application's). */
  openSession(user: string, password: string): Promise<RedisClientSession>;
  /** The SHA-256 hashes of the passwords `user` accepts, sorted; undefined if there is no such user. */
  passwordHashes(user: string): Promise<string[] | undefined>;
  /**
   * The Redis user secret JSON for this server (engine, host, port, username, password, and
   * ssl when TLS is on); `extra` is spread last, so it can add or override fields.
   */
  secretValue(username: string, password: string, extra?: Readonly<Record<string, unknown>>): string;
  /** {@link secretValue} for the master user. */
  masterSecretValue(extra?: Readonly<Record<string, unknown>>): string;
  stop(): Promise<void>;
}

export interface LocalRedisOptions {
  /** Serve TLS only, with this certificate (PEM); clients must verify it. */
  readonly tls?: { readonly certificatePem: string; readonly privateKeyPem: string };
  /** The master's command rules. @default REDIS_MASTER_ACL_RULES */
  readonly masterRules?: readonly string[];
  /** The CA that signed the TLS certificate (PEM file), for the harness's own connections. */
  readonly caFile?: string;
}

const MASTER_USER = 'keyturn-master';
/** Reads the ACL LOG for the local ElastiCache's AuthenticationFailures, and nothing else. */
const MONITOR_USER = 'keyturn-monitor';
const MONITOR_RULES = '-@all +acl|log +hello +auth';

export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  const port = await freeLoopbackPort();
  const masterPassword = generatePassword({ length: 24, excludePunctuation: true });
  const rules = options.masterRules ?? REDIS_MASTER_ACL_RULES;
  const monitorPassword = generatePassword({ length: 24, excludePunctuation: true });
  const server = await startRedisServer({
    port,
    users: [
      `${MASTER_USER} on #${redisPasswordHash(masterPassword)} resetkeys resetchannels ${rules.join(' ')}`,
      `${MONITOR_USER} on #${redisPasswordHash(monitorPassword)} resetkeys resetchannels ${MONITOR_RULES}`,
    ],
    tls: options.tls,
  });
  const tls = options.tls !== undefined;
  const endpoint = { host: '127.0.0.1', port, ssl: tls };

  /**
   * The harness trusts the test CA through KEYTURN_DB_CA_BUNDLE, as the strategy does. The
   * variable is read synchronously when the socket is created, and restored before any await,
   * so the strategy under test never sees the harness's setting.
   */
  const open = (): Promise<RespConnection> => {
    if (!tls || !options.caFile) return openRespConnection(endpoint);
    const saved = process.env.KEYTURN_DB_CA_BUNDLE;
    process.env.KEYTURN_DB_CA_BUNDLE = options.caFile;
    try {
      return openRespConnection(endpoint);
    } finally {
      if (saved === undefined) delete process.env.KEYTURN_DB_CA_BUNDLE;
      else process.env.KEYTURN_DB_CA_BUNDLE = saved;
    }
  };

  /** Opens and authenticates; undefined when the server says WRONGPASS. */
  const login = async (
    user: string,
    password: string,
  ): Promise<{ connection: RespConnection; id: number } | undefined> => {
    const connection = await open();
    const [hello] = await connection.pipeline([['HELLO', '2', 'AUTH', user, new Sensitive(password)]]);
    if (hello instanceof RespError) {
      await connection.close();
      if (isRejectedCredential(hello)) return undefined;
      throw new RedisCommandError(`login of "${user}" failed: ${hello.message}`, hello.code);
    }
    const items = Array.isArray(hello) ? (hello as readonly RespValue[]) : [];
    const id = items[items.indexOf('id') + 1];
    return { connection, id: typeof id === 'number' ? id : -1 };
  };

  const secretValue = (username: string, password: string, extra: Readonly<Record<string, unknown>> = {}): string =>
    JSON.stringify({
      engine: 'redis',
      host: '127.0.0.1',
      port,
      username,
      password,
      ...(tls ? { ssl: true } : {}),
      ...extra,
    });

  const runAs = async (user: string, password: string, command: RespArg[]): Promise<RespValue> => {
    const session = await login(user, password);
    if (!session) throw new Error(`the local Redis user ${user} was rejected`);
    try {
      return await session.connection.call(...command);
    } finally {
      await session.connection.close();
    }
  };

  const admin = (...command: RespArg[]): Promise<RespValue> => runAs(MASTER_USER, masterPassword, command);

  return {
    host: '127.0.0.1',
    port,
    tls,
    masterUser: MASTER_USER,
    masterPassword,
    startupMs: server.startupMs,
    admin,
    // Redis's ACL LOG returns 10 entries unless told: ask for more than it can hold.
    aclLog: () => runAs(MONITOR_USER, monitorPassword, ['ACL', 'LOG', '100000']),
    async canLogin(user, password) {
      const session = await login(user, password);
      if (!session) return false;
      await session.connection.close();
      return true;
    },
    async openSession(user, password) {
      const session = await login(user, password);
      if (!session) throw new Error(`user "${user}" was rejected`);
      const { connection, id } = session;
      return {
        id,
        call: (...command) => connection.call(...command),
        isOpen: () => connection.isOpen,
        close: () => connection.close(),
      };
    },
    async passwordHashes(user) {
      const reply = await admin('ACL', 'GETUSER', user);
      if (reply === null) return undefined;
      const items = reply as readonly RespValue[];
      const hashes = items[items.indexOf('passwords') + 1] as readonly string[];
      return [...hashes].sort();
    },
    secretValue,
    masterSecretValue: (extra) => secretValue(MASTER_USER, masterPassword, extra),
    stop: () => server.stop(),
  };
}
