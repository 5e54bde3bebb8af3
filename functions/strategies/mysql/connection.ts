import type { Connection, ConnectionOptions } from 'mysql2/promise';
import { KeyturnError } from '../../shared/errors';
import { createEndpointResolver, type EndpointResolver, type ServerEndpoint } from '../database/endpoint';
import type { DatabaseLoginResult } from '../database/login';
import { lambdaRdsClient } from '../database/rds-client';
import { TargetUnreachableError, TlsRequiredError } from '../errors';
import { NETWORK_ERROR_CODES } from '../target-network';
import { tlsTrustFor, type TlsTrust } from '../tls-trust';
import { clientEd25519 } from './ed25519';
import { AccountLockedError, MysqlTargetError, UnsupportedAuthPluginError } from './errors';
import type { MysqlAccount } from './quoting';
import { DEFAULT_MYSQL_PORT, describeTarget, type MysqlSecret } from './secret';
import { parseServerVersion, type ServerVersion } from './server-version';

/**
 * Marks keyturn's sessions (connection attribute `program_name`, visible in MySQL's
 * performance_schema.session_connect_attrs). MariaDB's process list shows no attributes, so
 * in-use checks also leave out the checking session itself by CONNECTION_ID().
 */
export const KEYTURN_PROGRAM_NAME = 'keyturn-rotation';
const CONNECT_TIMEOUT_MS = 5_000;

/** A statement that carries secret values (a password or its hash): a failure never quotes them. */
export interface SensitiveStatement {
  readonly sql: string;
  /** The values to scrub from any error the server returns for it. */
  readonly secrets: readonly string[];
}

/** An open session; closing it is the caller's job (use `withSession`). */
export interface MysqlSession {
  /** The server, as `SELECT VERSION(), @@version_comment` reported it at login. */
  readonly version: ServerVersion;
  /** The account the login authenticated as (CURRENT_USER()): its host part is the server's, never assumed. */
  readonly account: MysqlAccount;
  readonly connectionId: number;
  /** A statement without secret values; `params` are bound by the server (a prepared statement). */
  query<Row extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** A statement with secret values, built with quoting.ts. */
  execute(statement: SensitiveStatement): Promise<void>;
  close(): Promise<void>;
}

export type MysqlLoginResult = DatabaseLoginResult<MysqlSession>;

/**
 * Opens a session with a credential. A rejected credential is an answer ({accepted: false}),
 * not an error; an unreachable server is TargetUnreachableError, a TLS failure TlsRequiredError
 * (never a plaintext retry), anything else MysqlTargetError.
 */
export type MysqlLogin = (credential: MysqlSecret) => Promise<MysqlLoginResult>;

// 1045 is the only answer that means "wrong password or no such user" (the server does not say which).
// A REQUIRE SSL account reached without TLS is refused with 1045 too: without ssl, that is a rejection.
const AUTH_FAILURE_CODES = new Set(['ER_ACCESS_DENIED_ERROR']);
/**
 * The account itself is refused: MySQL's temporary lock after FAILED_LOGIN_ATTEMPTS (3955) and
 * ACCOUNT LOCK (3118), MariaDB's block after max_password_errors (4150, "User is blocked because
 * of too many credential errors"; mysql2 names 4150 after an unrelated MySQL error, so the number
 * and the message are checked together).
 */
function isAccountLocked(error: unknown): boolean {
  const errno = (error as { errno?: unknown }).errno;
  if (errno === 3955 || errno === 3118) return true;
  return errno === 4150 && /blocked/i.test(errorMessage(error));
}
/** Besides the socket's own codes, mysql2's for a server that went away mid-protocol. */
const MYSQL_NETWORK_ERROR_CODES = new Set([...NETWORK_ERROR_CODES, 'PROTOCOL_CONNECTION_LOST']);
const TLS_ERROR = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET|ALTNAME/;
const NATIVE_HASH = /\*[0-9A-Fa-f]{40}/g;

type MysqlSslOptions = Exclude<ConnectionOptions['ssl'], string | undefined>;

// One options object per trust: mysql2 keeps the context it builds for an ssl object (parsing a few
// hundred CA certificates takes tens of ms) as long as the same object comes back.
const sslOptionsByTrust = new WeakMap<TlsTrust, MysqlSslOptions>();

function tlsOptions(trust: TlsTrust | undefined): ConnectionOptions['ssl'] {
  if (!trust) return undefined;
  // Verified TLS only: the chain (against what tls-trust.ts trusts for this endpoint) and the host name
  // or IP (verifyIdentity; mysql2 skips that check unless asked). A server without TLS fails the
  // handshake: mysql2 never continues in plaintext.
  let options = sslOptionsByTrust.get(trust);
  if (!options) {
    options = { rejectUnauthorized: true, verifyIdentity: true, ...(trust.ca ? { ca: [...trust.ca] } : {}) };
    sslOptionsByTrust.set(trust, options);
  }
  return options;
}

/** A message safe to show: the known secrets, and anything shaped like a password hash, removed. */
export function scrub(message: string, secrets: readonly string[]): string {
  let clean = message;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    for (const form of new Set([secret, secret.replace(/\\/g, '\\\\').replace(/'/g, "''")])) {
      clean = clean.split(form).join('[redacted]');
    }
  }
  return clean.replace(NATIVE_HASH, '[hash]');
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function classifyConnectError(error: unknown, secret: MysqlSecret, trust: TlsTrust | undefined): Error {
  const target = describeTarget(secret);
  const code = errorCode(error);
  const message = scrub(errorMessage(error), [secret.password]);
  if (
    trust &&
    (code === 'HANDSHAKE_NO_SSL_SUPPORT' || /ssl|tls|certificate/i.test(message) || (code && TLS_ERROR.test(code)))
  ) {
    return new TlsRequiredError(
      `TLS to ${target} failed and keyturn does not fall back to plaintext (trusted: ${trust.description}): ${message}`,
    );
  }
  if ((code !== undefined && MYSQL_NETWORK_ERROR_CODES.has(code)) || /timeout|timed out/i.test(message)) {
    return new TargetUnreachableError(`MySQL at ${target} is unreachable: ${message}`);
  }
  if (code === 'AUTH_SWITCH_PLUGIN_ERROR') {
    const plugin = /unknown plugin (\S+)/.exec(message)?.[1] ?? 'an unknown plugin';
    return new UnsupportedAuthPluginError(
      `user "${secret.username}" at ${target} authenticates with ${plugin}, which keyturn's MySQL driver (mysql2) cannot speak`,
    );
  }
  return new MysqlTargetError(`MySQL at ${target} refused the session: ${message}${code ? ` (${code})` : ''}`, code);
}

function statementError(error: unknown, secret: MysqlSecret, secrets: readonly string[]): Error {
  const code = errorCode(error);
  const message = scrub(errorMessage(error), [secret.password, ...secrets]);
  // A server's answer carries its error number; a connection that went away carries a socket code,
  // or none (mysql2's "Connection lost", "closed state"): fatal to the connection either way.
  const serverAnswered = typeof (error as { errno?: unknown }).errno === 'number' && code?.startsWith('ER_') === true;
  const fatal = (error as { fatal?: unknown }).fatal === true;
  if ((code !== undefined && MYSQL_NETWORK_ERROR_CODES.has(code)) || (fatal && !serverAnswered)) {
    return new TargetUnreachableError(`MySQL at ${describeTarget(secret)} went away during a statement: ${message}`);
  }
  return new MysqlTargetError(
    `MySQL at ${describeTarget(secret)} refused a statement as "${secret.username}": ${message}${code ? ` (${code})` : ''}`,
    code,
  );
}

/** The first column of a SHOW … row (its name carries the account, so it is taken by position). */
export function firstColumnText(row: object | undefined): string {
  const value: unknown = row === undefined ? undefined : Object.values(row)[0];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return '';
}

/** `user@host` as CURRENT_USER() returns it; the host is after the last `@` (a user name may hold one). */
export function parseCurrentUser(value: string): MysqlAccount {
  const at = value.lastIndexOf('@');
  if (at < 0) return { user: value, host: '' };
  return { user: value.slice(0, at), host: value.slice(at + 1) };
}

interface SessionFacts {
  version: string;
  comment: string | null;
  account: string;
  id: number | string;
}

/**
 * Logs in over the network with the credential as given, at the endpoint its location resolves
 * to (the host, or what RDS reports for an instance or cluster identifier).
 */
export function createMysqlLogin(resolveEndpoint: EndpointResolver): MysqlLogin {
  return async (secret) => openSession(secret, await resolveEndpoint(secret.location));
}

async function openSession(secret: MysqlSecret, endpoint: ServerEndpoint): Promise<MysqlLoginResult> {
  const trust = secret.ssl ? tlsTrustFor(endpoint) : undefined;
  let connection: Connection;
  try {
    // The driver loads on first use: a function that rotates no MySQL secret never pays for it.
    const { createConnection } = await import('mysql2/promise');
    connection = await createConnection({
      host: endpoint.host,
      port: endpoint.port,
      user: secret.username,
      password: secret.password,
      ...(secret.dbname === undefined ? {} : { database: secret.dbname }),
      ssl: tlsOptions(trust),
      connectTimeout: CONNECT_TIMEOUT_MS,
      connectAttributes: { program_name: KEYTURN_PROGRAM_NAME },
      // MariaDB's ed25519, which mysql2 does not ship (ed25519.ts).
      authPlugins: { client_ed25519: clientEd25519(secret.password) },
      charset: 'UTF8MB4_GENERAL_CI',
      timezone: 'Z',
      multipleStatements: false,
    });
  } catch (error) {
    if (AUTH_FAILURE_CODES.has(errorCode(error) ?? '')) return { accepted: false };
    if (isAccountLocked(error)) {
      throw new AccountLockedError(
        `user "${secret.username}" at ${describeTarget(secret)} is locked by the server: ${scrub(errorMessage(error), [secret.password])}; ` +
          'keyturn tries no other password (each would keep it locked): unlock it (ALTER USER … ACCOUNT UNLOCK, FLUSH PRIVILEGES) and retry',
      );
    }
    throw classifyConnectError(error, secret, trust);
  }
  // A session that dies later must not crash the process through an unhandled 'error' event.
  connection.on('error', () => undefined);
  try {
    // quoting.ts doubles backslashes in literals: make sure the server reads them that way.
    await connection.query(
      "SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))",
    );
    const [rows] = await connection.query(
      'SELECT VERSION() AS version, @@version_comment AS comment, CURRENT_USER() AS account, CONNECTION_ID() AS id',
    );
    const facts = (rows as SessionFacts[])[0];
    if (!facts) throw new MysqlTargetError(`MySQL at ${describeTarget(secret)} did not describe the session`);
    const session: MysqlSession = {
      version: parseServerVersion(facts.version, facts.comment ?? ''),
      account: parseCurrentUser(facts.account),
      connectionId: Number(facts.id),
      async query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
        try {
          const [result] =
            params === undefined
              ? await connection.query(sql)
              : await connection.execute(sql, [...params] as Parameters<Connection['execute']>[1]);
          return Array.isArray(result) ? (result as Row[]) : [];
        } catch (error) {
          throw statementError(error, secret, []);
        }
      },
      async execute(statement: SensitiveStatement): Promise<void> {
        try {
          await connection.query(statement.sql);
        } catch (error) {
          throw statementError(error, secret, statement.secrets);
        }
      },
      close: () =>
        connection.end().catch(() => {
          connection.destroy();
        }),
    };
    return { accepted: true, session };
  } catch (error) {
    connection.destroy();
    if (error instanceof KeyturnError) throw error; // already named and scrubbed (an unreadable version...)
    throw statementError(error, secret, []);
  }
}

/** Logs in to hosts as written, and to RDS identifiers through the function's own RDS client. */
export const loginToMysql: MysqlLogin = createMysqlLogin(
  createEndpointResolver('mysql', DEFAULT_MYSQL_PORT, lambdaRdsClient),
);
