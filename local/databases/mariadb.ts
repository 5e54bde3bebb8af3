import { createConnection, type Connection } from 'mysql2/promise';
import { generatePassword } from '../../functions/shared/password';
import { clientEd25519 } from '../../functions/strategies/mysql/ed25519';
import { freeLoopbackPort } from '../net/free-port';
import { startMariadbServer } from './mariadb-server';

/** A throwaway MariaDB on loopback with real password checks; no account without a password. */
export interface LocalMariadb {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly masterUser: string;
  readonly masterPassword: string;
  /** The server's log file (failed logins included), as the RDS log export would ship it. */
  readonly logFile: string;
  /** Runs SQL as the master user (test setup and assertions); `params` fill `?` placeholders. */
  admin<Row extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Whether `user` / `password` can open a session right now (a wrong password is false, other errors throw). */
  canLogin(user: string, password: string): Promise<boolean>;
  /** An open session as `user`, e.g. a client that keeps using an old credential; the caller ends it. */
  openSession(user: string, password: string, options?: { readonly ssl?: boolean }): Promise<Connection>;
  /**
   * AWS's MariaDB secret JSON for this server (engine 'mariadb', host, port, username,
   * password); `extra` is spread last, so it can add or override fields.
   */
  secretValue(username: string, password: string, extra?: Readonly<Record<string, unknown>>): string;
  /** {@link secretValue} for the master user. */
  masterSecretValue(extra?: Readonly<Record<string, unknown>>): string;
  stop(): Promise<void>;
}

export interface LocalMariadbOptions {
  /** Serve TLS with this certificate (accounts created with REQUIRE SSL then need it). */
  readonly tls?: { readonly certificatePem: string; readonly privateKeyPem: string; readonly caFile?: string };
}

export async function startLocalMariadb(options: LocalMariadbOptions = {}): Promise<LocalMariadb> {
  const port = await freeLoopbackPort();
  const masterUser = 'root';
  const masterPassword = generatePassword({ length: 24, excludePunctuation: true });
  const server = await startMariadbServer({ port, rootPassword: masterPassword, tls: options.tls });

  const connect = (user: string, password: string, ssl = false): Promise<Connection> =>
    createConnection({
      host: '127.0.0.1',
      port,
      user,
      password,
      connectTimeout: 5_000,
      authPlugins: { client_ed25519: clientEd25519(password) },
      // The local server's certificate is checked by the code under test; here TLS only has to happen.
      ...(ssl ? { ssl: { rejectUnauthorized: false } } : {}),
    }).then((connection) => {
      connection.on('error', () => undefined);
      return connection;
    });

  const secretValue = (username: string, password: string, extra: Readonly<Record<string, unknown>> = {}): string =>
    JSON.stringify({ engine: 'mariadb', host: '127.0.0.1', port, username, password, ...extra });

  return {
    host: '127.0.0.1',
    port,
    masterUser,
    masterPassword,
    logFile: server.logFile,
    async admin<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
      const connection = await connect(masterUser, masterPassword);
      try {
        const [rows] = await connection.query(sql, params === undefined ? undefined : [...params]);
        return Array.isArray(rows) ? (rows as Row[]) : [];
      } finally {
        await connection.end();
      }
    },
    async canLogin(user: string, password: string): Promise<boolean> {
      try {
        const connection = await connect(user, password);
        await connection.end();
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR') return false;
        throw error;
      }
    },
    openSession: (user, password, sessionOptions) => connect(user, password, sessionOptions?.ssl ?? false),
    secretValue,
    masterSecretValue: (extra) => secretValue(masterUser, masterPassword, extra),
    async stop(): Promise<void> {
      await server.stop();
    },
  };
}
