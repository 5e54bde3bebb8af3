import { escapeIdentifier, escapeLiteral } from 'pg';
import { generatePassword } from '../../functions/shared/password';
import { STRATEGY_TAG } from '../../functions/strategies/tag-options';
import type { LocalIam } from '../../local/iam';
import type { LocalMariadb } from '../../local/databases/mariadb';
import type { LocalPostgres } from '../../local/databases/postgres';
import type { LocalRedis } from '../../local/databases/redis';
import type { Mysql8Double } from '../support/mysql8/server';
import { SENDGRID_MAX_KEYS } from '../../local/providers/sendgrid';
import { datadogHarness, sendGridHarness } from '../support/http-providers';
import { prepareIamUser, prepareProviderAccount, type IssuedKeyTarget } from './issued-keys';
import type { TargetKind } from './scenario';

/**
 * Each kind of secret the chaos suite rotates: how a scenario's user is created on the shared
 * servers (fresh per scenario), what its secret and master secret hold (pointing at the
 * scenario's proxy), and how the harness checks a credential against the server itself.
 */

export interface ChaosServers {
  readonly postgres: LocalPostgres;
  readonly mariadb: LocalMariadb;
  readonly mysql8: Mysql8Double;
  readonly redis: LocalRedis;
  readonly iam: LocalIam;
}

/** A secret's value as the harness reads it: the fields that say who logs in. */
export interface Credential {
  readonly username?: string;
  readonly password: string;
}

export interface PreparedTarget {
  /** The secret's first value. */
  readonly secretValue: string;
  /** The master secret's value, for kinds that use one (it names the proxy too). */
  readonly masterValue?: string;
  /** Tags the secret needs besides the lifecycle's. */
  readonly tags: Readonly<Record<string, string>>;
  /** A secret to create first (an admin credential) and the tag of the scenario's secret that names its ARN. */
  readonly adminSecret?: { readonly value: string; readonly tag: string };
  /** Kinds whose keys the target issues: the scenario's own user or account there. */
  readonly issued?: IssuedKeyTarget;
}

export interface TargetDriver {
  /** Where the server listens (the proxy's upstream); undefined for `random`. */
  readonly server?: { readonly host: string; readonly port: number };
  /** Creates the scenario's user with a fresh password; the secret names `proxyPort`. */
  prepare(user: string, proxyPort: number | undefined): Promise<PreparedTarget>;
  /** Whether the credential opens a session on the server itself (not through the proxy). */
  authenticates(credential: Credential): Promise<boolean>;
  /** The values in a secret value that must never appear in any output. */
  secretsIn(value: string): string[];
  /** Changes the user's password behind keyturn's back (the checker's self-test: a planted lockout). */
  sabotage(credential: Credential): Promise<void>;
}

function initialPassword(): string {
  return generatePassword({ length: 32, excludePunctuation: true });
}

function parseCredential(value: string): Credential {
  const parsed = JSON.parse(value) as { username?: unknown; password?: unknown };
  if (typeof parsed.password !== 'string') throw new Error('the secret value has no password field');
  return { ...(typeof parsed.username === 'string' ? { username: parsed.username } : {}), password: parsed.password };
}

/** The password of a database secret (or the whole value of a plain one); values that do not parse hold nothing to hide beyond themselves. */
function databaseSecrets(value: string): string[] {
  try {
    return [parseCredential(value).password];
  } catch {
    return [value];
  }
}

function usernameOf(credential: Credential): string {
  if (credential.username === undefined) throw new Error('the secret names no user');
  return credential.username;
}

function postgresDriver(postgres: LocalPostgres, alternating: boolean): TargetDriver {
  return {
    server: { host: postgres.host, port: postgres.port },
    async prepare(user, proxyPort) {
      const password = initialPassword();
      await postgres.admin(`CREATE ROLE ${escapeIdentifier(user)} LOGIN PASSWORD ${escapeLiteral(password)}`);
      const at = { host: '127.0.0.1', port: proxyPort };
      return {
        secretValue: postgres.secretValue(user, password, at),
        ...(alternating ? { masterValue: postgres.masterSecretValue(at) } : {}),
        tags: {},
      };
    },
    authenticates: (credential) => postgres.canLogin(usernameOf(credential), credential.password),
    secretsIn: databaseSecrets,
    async sabotage(credential) {
      await postgres.admin(
        `ALTER ROLE ${escapeIdentifier(usernameOf(credential))} PASSWORD ${escapeLiteral(initialPassword())}`,
      );
    },
  };
}

function mariadbDriver(mariadb: LocalMariadb, alternating: boolean): TargetDriver {
  return {
    server: { host: mariadb.host, port: mariadb.port },
    async prepare(user, proxyPort) {
      const password = initialPassword();
      await mariadb.admin('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password]);
      const at = { host: '127.0.0.1', port: proxyPort };
      return {
        secretValue: mariadb.secretValue(user, password, at),
        ...(alternating ? { masterValue: mariadb.masterSecretValue(at) } : {}),
        tags: {},
      };
    },
    authenticates: (credential) => mariadb.canLogin(usernameOf(credential), credential.password),
    secretsIn: databaseSecrets,
    async sabotage(credential) {
      await mariadb.admin('SET PASSWORD FOR ?@? = PASSWORD(?)', [usernameOf(credential), '%', initialPassword()]);
    },
  };
}

/**
 * MySQL 8 through the double: a single user with dual passwords (APPLICATION_PASSWORD_ADMIN), or
 * alternating users through root; every user locks after 3 consecutive failed logins (for a day),
 * so a rotation that fails logins it could avoid shows up as a lockout.
 */
function mysql8Driver(mysql8: Mysql8Double, alternating: boolean): TargetDriver {
  const quoted = (user: string) => `'${user.replaceAll("'", "''")}'@'%'`;
  return {
    server: { host: mysql8.host, port: mysql8.port },
    async prepare(user, proxyPort) {
      const password = initialPassword();
      await mysql8.admin(
        `CREATE USER ${quoted(user)} IDENTIFIED BY '${password}' FAILED_LOGIN_ATTEMPTS 3 PASSWORD_LOCK_TIME 1`,
      );
      if (!alternating) await mysql8.admin(`GRANT APPLICATION_PASSWORD_ADMIN ON *.* TO ${quoted(user)}`);
      const at = { host: '127.0.0.1', port: proxyPort };
      return {
        secretValue: mysql8.secretValue(user, password, at),
        ...(alternating ? { masterValue: mysql8.masterSecretValue(at) } : {}),
        tags: {},
      };
    },
    // The account's own state, not a login (a failed one would count towards locking it).
    authenticates(credential) {
      const account = mysql8.account(usernameOf(credential));
      return Promise.resolve(
        account !== undefined &&
          !account.locked &&
          account.lockedSinceMs === undefined &&
          mysql8.accepts(usernameOf(credential), credential.password),
      );
    },
    secretsIn: databaseSecrets,
    async sabotage(credential) {
      const account = quoted(usernameOf(credential));
      await mysql8.admin(`ALTER USER ${account} IDENTIFIED BY '${initialPassword()}'`);
      await mysql8.admin(`ALTER USER ${account} DISCARD OLD PASSWORD`);
    },
  };
}

function redisDriver(redis: LocalRedis): TargetDriver {
  return {
    server: { host: redis.host, port: redis.port },
    async prepare(user, proxyPort) {
      const password = initialPassword();
      await redis.admin('ACL', 'SETUSER', user, 'on', `>${password}`, `~${user}:*`, '+get', '+set');
      const at = { host: '127.0.0.1', port: proxyPort };
      return {
        secretValue: redis.secretValue(user, password, at),
        masterValue: redis.masterSecretValue(at),
        tags: {},
      };
    },
    authenticates: (credential) => redis.canLogin(usernameOf(credential), credential.password),
    secretsIn: databaseSecrets,
    async sabotage(credential) {
      await redis.admin('ACL', 'SETUSER', usernameOf(credential), 'resetpass', `>${initialPassword()}`);
    },
  };
}

/** An API key: nothing outside Secrets Manager holds it, so AWSCURRENT "authenticates" when it has a value. */
const randomDriver: TargetDriver = {
  prepare: () =>
    Promise.resolve({
      secretValue: generatePassword({ length: 40, excludePunctuation: true }),
      tags: { [STRATEGY_TAG]: 'random' },
    }),
  authenticates: (credential) => Promise.resolve(credential.password.length > 0),
  secretsIn: (value) => [value],
  sabotage: () => Promise.reject(new Error('an API key has no server to lock anyone out of')),
};

/**
 * A kind whose key the target issues: everything about a credential is asked of the scenario's own
 * IssuedKeyTarget (its user at IAM, its account at the provider), not of the driver.
 */
function issuedKeyDriver(
  prepare: (user: string) => Promise<{
    secretValue: string;
    tags: Readonly<Record<string, string>>;
    adminSecret?: PreparedTarget['adminSecret'];
    target: IssuedKeyTarget;
  }>,
): TargetDriver {
  const perScenario = (): Promise<never> =>
    Promise.reject(new Error("an issued key is checked through its scenario's target, not the driver"));
  return {
    async prepare(user) {
      const prepared = await prepare(user);
      return {
        secretValue: prepared.secretValue,
        tags: prepared.tags,
        ...(prepared.adminSecret ? { adminSecret: prepared.adminSecret } : {}),
        issued: prepared.target,
      };
    },
    authenticates: perScenario,
    secretsIn: (value) => [value],
    sabotage: perScenario,
  };
}

export function targetDrivers(servers: ChaosServers): Readonly<Record<TargetKind, TargetDriver>> {
  return {
    'pg-single': postgresDriver(servers.postgres, false),
    'pg-alternating': postgresDriver(servers.postgres, true),
    'mariadb-single': mariadbDriver(servers.mariadb, false),
    'mariadb-alternating': mariadbDriver(servers.mariadb, true),
    'mysql8-single': mysql8Driver(servers.mysql8, false),
    'mysql8-alternating': mysql8Driver(servers.mysql8, true),
    redis: redisDriver(servers.redis),
    random: randomDriver,
    'iam-access-key': issuedKeyDriver((user) => Promise.resolve(prepareIamUser(servers.iam, user))),
    'http-api-key': issuedKeyDriver((user) => prepareProviderAccount(sendGridHarness, user, SENDGRID_MAX_KEYS)),
    // Datadog's API keys have no documented per-organization cap the fake enforces.
    'http-api-key-datadog': issuedKeyDriver((user) =>
      prepareProviderAccount(datadogHarness, user, Number.POSITIVE_INFINITY),
    ),
  };
}

/** The credential a secret value holds: its username and password, or a plain value as the password. */
export function credentialOf(target: TargetKind, value: string): Credential {
  return target === 'random' ? { password: value } : parseCredential(value);
}
