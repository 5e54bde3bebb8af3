import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { createConnection, type Connection } from 'mysql2/promise';
import { AccountStore, type Account } from './accounts';
import type { AccountName } from './ast';
import { authenticate, newScramble, rsaKeys } from './auth';
import type { Plugin } from './credentials';
import { Engine, type GlobalVariables, type StatementResult } from './engine';
import { MysqlServerError, ServerErrors } from './errors';
import { NamedLocks } from './named-locks';
import { parseStatement, DYNAMIC_PRIVILEGES, STATIC_PRIVILEGES } from './parser';
import {
  binaryRow,
  Capability,
  columnDefinition,
  Command,
  eofPacket,
  errPacket,
  handshakeV10,
  isSslRequest,
  okPacket,
  PacketChannel,
  parseExecute,
  parseHandshakeResponse,
  PayloadReader,
  ServerStatus,
  textRow,
} from './protocol';
import { Session, type Value } from './session';
import { Catalog } from './tables';

export interface Mysql8DoubleOptions {
  /** The version the server reports (8.0.13 has REPLACE but no RETAIN; 8.4 does not load mysql_native_password). @default '8.0.36' */
  readonly version?: string;
  /** Serve TLS with this certificate: caching_sha2_password's full authentication then goes in clear over it. */
  readonly tls?: { readonly certificatePem: string; readonly privateKeyPem: string };
  /** The plugin of accounts created without IDENTIFIED WITH. @default 'caching_sha2_password' */
  readonly defaultPlugin?: Plugin;
  /** The clock (ms), for password lock times and reuse intervals. @default Date.now */
  readonly now?: () => number;
}

/** What a hook learns about each statement a client sends. */
export interface StatementEvent {
  readonly sql: string;
  readonly session: Session;
  readonly error?: MysqlServerError;
}

export interface LoginEvent {
  readonly user: string;
  /** 'ok', or the error number the server answered with. */
  readonly outcome: 'ok' | number;
}

/** What beforeStatement may ask for: cut the connection before or after the statement runs, or nothing. */
export type StatementFault = 'cut-before' | 'cut-after' | undefined;

/** Test hooks: watch every statement and login, delay or cut a statement, refuse logins. */
export interface Mysql8Hooks {
  /** Before a statement runs; may wait (to line up races) or ask to cut the connection before or after it runs. */
  beforeStatement?: (event: StatementEvent) => Promise<StatementFault> | StatementFault;
  /** After a statement ran (or failed): e.g. check an invariant against the model after every statement. */
  afterStatement?: (event: StatementEvent) => void;
  afterLogin?: (event: LoginEvent) => void;
  /** A refusal to answer a login with before any password check (a fault, counted nowhere). */
  refuseLogin?: (user: string) => MysqlServerError | undefined;
}

const VERSION_COMMENT = 'MySQL Community Server - GPL';
const ROOT_USER = 'root';

function versionNumber(version: string): number {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  return major * 10000 + minor * 100 + patch;
}

/**
 * A MySQL 8 server double on loopback: the real wire protocol (so mysql2 and keyturn's own
 * login talk to it unchanged), the account model of accounts.ts, and the statement subset of
 * parser.ts. README.md beside this file says what it models and what it does not.
 */
export class Mysql8Double {
  readonly host = '127.0.0.1';
  readonly masterUser = ROOT_USER;
  readonly masterPassword = randomBytes(18).toString('base64url');
  readonly hooks: Mysql8Hooks = {};
  readonly accounts: AccountStore;
  readonly catalog = new Catalog();
  readonly globals: GlobalVariables = {
    password_history: 0,
    password_reuse_interval: 0,
    password_require_current: false,
    activate_all_roles_on_login: false,
  };
  private readonly engine: Engine;
  private readonly locks = new NamedLocks();
  private readonly liveSessions = new Map<number, Session>();
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private readonly tlsContext: SecureContext | undefined;
  private nextConnectionId = 1;
  readonly version: string;
  private readonly versionNumber: number;
  private readonly now: () => number;

  private constructor(options: Mysql8DoubleOptions) {
    this.version = options.version ?? '8.0.36';
    this.versionNumber = versionNumber(this.version);
    this.now = options.now ?? Date.now;
    // mysql_native_password is disabled by default from 8.4 and gone in 9.0.
    const plugins = new Set<Plugin>(['caching_sha2_password']);
    if (this.versionNumber < 80400) plugins.add('mysql_native_password');
    this.accounts = new AccountStore(
      { passwordHistory: 0, passwordReuseInterval: 0, passwordRequireCurrent: false },
      this.now,
      options.defaultPlugin ?? 'caching_sha2_password',
      plugins,
    );
    this.tlsContext = options.tls
      ? createSecureContext({ cert: options.tls.certificatePem, key: options.tls.privateKeyPem })
      : undefined;
    this.engine = new Engine({
      version: this.version,
      versionComment: VERSION_COMMENT,
      accounts: this.accounts,
      catalog: this.catalog,
      locks: this.locks,
      sessions: () => [...this.liveSessions.values()],
      now: this.now,
      globals: this.globals,
      port: () => this.port,
    });
    const root = this.accounts.create({ user: ROOT_USER, host: '%' }, { password: this.masterPassword });
    root.grants.grant(
      { level: 'global' },
      [...STATIC_PRIVILEGES, ...DYNAMIC_PRIVILEGES].map((name) => ({ name })),
      true,
    );
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      void this.serve(socket).catch(() => socket.destroy());
    });
  }

  static async start(options: Mysql8DoubleOptions = {}): Promise<Mysql8Double> {
    const double = new Mysql8Double(options);
    void rsaKeys(); // generated in the background: the first full authentication without TLS needs it
    await new Promise<void>((resolve, reject) => {
      double.server.once('error', reject);
      double.server.listen(0, '127.0.0.1', () => {
        resolve();
      });
    });
    return double;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  // ---- test helpers --------------------------------------------------------------------------

  /** The account, for assertions on the model (no login, nothing counted). */
  account(user: string, host = '%'): Account | undefined {
    return this.accounts.get({ user, host });
  }

  /** Whether the account accepts `password` now, as primary or secondary (no login, nothing counted). */
  accepts(user: string, password: string, host = '%'): boolean {
    const account = this.account(user, host);
    return account !== undefined && this.accounts.accepts(account, password);
  }

  /** Which of the account's passwords `password` is. */
  passwordRole(user: string, password: string, host = '%'): 'primary' | 'secondary' | undefined {
    const account = this.account(user, host);
    return account ? this.accounts.whichCredential(account, password) : undefined;
  }

  sessions(): readonly Session[] {
    return [...this.liveSessions.values()];
  }

  /** A real session over loopback through mysql2 (the caller ends it). */
  connect(user: string, password: string, options: { ssl?: boolean } = {}): Promise<Connection> {
    return createConnection({
      host: this.host,
      port: this.port,
      user,
      password,
      connectTimeout: 5_000,
      ...(options.ssl ? { ssl: { rejectUnauthorized: false } } : {}),
    }).then((connection) => {
      connection.on('error', () => undefined);
      return connection;
    });
  }

  /** Runs SQL as root over the protocol; `params` fill `?` placeholders (a prepared statement). */
  async admin<Row extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    const connection = await this.connect(ROOT_USER, this.masterPassword);
    try {
      const [rows] =
        params === undefined
          ? await connection.query(sql)
          : await connection.execute(sql, [...params] as Parameters<Connection['execute']>[1]);
      return Array.isArray(rows) ? (rows as Row[]) : [];
    } finally {
      await connection.end();
    }
  }

  /** Whether `user` / `password` opens a session now (a real login: it counts as an attempt). */
  async canLogin(user: string, password: string): Promise<boolean> {
    try {
      const connection = await this.connect(user, password);
      await connection.end();
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR') return false;
      throw error;
    }
  }

  /** AWS's MySQL secret JSON for this server. */
  secretValue(username: string, password: string, extra: Readonly<Record<string, unknown>> = {}): string {
    return JSON.stringify({ engine: 'mysql', host: this.host, port: this.port, username, password, ...extra });
  }

  masterSecretValue(extra: Readonly<Record<string, unknown>> = {}): string {
    return this.secretValue(ROOT_USER, this.masterPassword, extra);
  }

  // ---- connections ---------------------------------------------------------------------------

  private async serve(socket: Socket): Promise<void> {
    const channel = new PacketChannel(socket);
    const connectionId = this.nextConnectionId++;
    const scramble = newScramble(randomBytes);
    let capabilities =
      Capability.LONG_PASSWORD |
      Capability.FOUND_ROWS |
      Capability.LONG_FLAG |
      Capability.CONNECT_WITH_DB |
      Capability.PROTOCOL_41 |
      Capability.INTERACTIVE |
      Capability.TRANSACTIONS |
      Capability.SECURE_CONNECTION |
      Capability.MULTI_RESULTS |
      Capability.PS_MULTI_RESULTS |
      Capability.PLUGIN_AUTH |
      Capability.CONNECT_ATTRS |
      Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA;
    if (this.tlsContext) capabilities |= Capability.SSL;
    channel.write(
      handshakeV10({
        version: this.version,
        connectionId,
        scramble,
        capabilities,
        authPlugin: this.accounts.defaultPlugin,
      }),
    );
    let payload = await channel.read();
    if (isSslRequest(payload)) {
      if (!this.tlsContext) {
        channel.close();
        return;
      }
      await channel.upgradeToTls(this.tlsContext);
      payload = await channel.read();
    }
    const response = parseHandshakeResponse(payload);
    const clientHost = '127.0.0.1';
    let session: Session;
    try {
      const refusal = this.hooks.refuseLogin?.(response.user);
      if (refusal) throw refusal;
      const account = await authenticate({
        channel,
        scramble,
        response,
        accounts: this.accounts,
        clientHost,
        random: randomBytes,
      });
      session = new Session(
        connectionId,
        account,
        response.user,
        clientHost,
        channel.tls,
        'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION',
        this.now(),
        () => {
          channel.cut();
        },
      );
      if (this.globals.activate_all_roles_on_login) {
        session.activeRoles = [...account.grants.roles.keys()].map((k) => {
          const [user = '', host = ''] = k.split('\u0000');
          return { user, host };
        });
      }
      if (response.database !== undefined) this.useDatabase(session, response.database);
    } catch (error) {
      if (!(error instanceof MysqlServerError)) throw error;
      this.hooks.afterLogin?.({ user: response.user, outcome: error.errno });
      channel.write(errPacket(error));
      channel.close();
      return;
    }
    channel.write(okPacket(0, ServerStatus.AUTOCOMMIT));
    this.hooks.afterLogin?.({ user: response.user, outcome: 'ok' });
    this.liveSessions.set(connectionId, session);
    try {
      await this.commandLoop(channel, session);
    } finally {
      this.liveSessions.delete(connectionId);
      this.locks.releaseAll(session);
      channel.close();
    }
  }

  private useDatabase(session: Session, db: string): void {
    if (!this.catalog.databases.has(db)) throw ServerErrors.badDb(db);
    const hasAny = this.engine.access
      .effectiveGrants(session)
      .some(
        (g) =>
          g.global.size > 0 || g.databases.has(db) || [...g.tables.keys()].some((k) => k.startsWith(`${db}\u0000`)),
      );
    if (!hasAny) throw ServerErrors.dbAccessDenied({ user: session.clientUser, host: session.clientHost }, db);
    session.db = db;
  }

  private async commandLoop(channel: PacketChannel, session: Session): Promise<void> {
    const prepared = new Map<number, { sql: string; params: number; types: number[] }>();
    let nextStatementId = 1;
    for (;;) {
      let payload: Buffer;
      try {
        payload = await channel.read();
      } catch {
        return;
      }
      const reader = new PayloadReader(payload);
      const command = reader.u8();
      switch (command) {
        case Command.QUIT:
          return;
        case Command.PING:
          channel.write(okPacket(0, this.status(session)));
          break;
        case Command.RESET_CONNECTION:
          session.userVariables.clear();
          session.transaction = undefined;
          this.locks.releaseAll(session);
          channel.write(okPacket(0, this.status(session)));
          break;
        case Command.INIT_DB:
          try {
            this.useDatabase(session, reader.rest().toString('utf8'));
            channel.write(okPacket(0, this.status(session)));
          } catch (error) {
            channel.write(errPacket(asServerError(error)));
          }
          break;
        case Command.QUERY:
          await this.runStatement(channel, session, reader.rest().toString('utf8'), [], false);
          break;
        case Command.STMT_PREPARE: {
          const sql = reader.rest().toString('utf8');
          try {
            const { params } = parseStatement(sql, this.lexOptions(session));
            const id = nextStatementId++;
            prepared.set(id, { sql, params, types: [] });
            const head = Buffer.alloc(12);
            head[0] = 0x00;
            head.writeUInt32LE(id, 1);
            head.writeUInt16LE(0, 5); // columns: described by each execution's result set
            head.writeUInt16LE(params, 7);
            channel.write(head);
            if (params > 0) {
              for (let i = 0; i < params; i++) channel.write(columnDefinition({ name: '?', type: 'string' }));
              channel.write(eofPacket(this.status(session)));
            }
          } catch (error) {
            channel.write(errPacket(asServerError(error)));
          }
          break;
        }
        case Command.STMT_EXECUTE: {
          const statementId = payload.readUInt32LE(1);
          const statement = prepared.get(statementId);
          if (!statement) {
            channel.write(errPacket(ServerErrors.unknownStatement(statementId)));
            break;
          }
          const { values, types } = parseExecute(reader, statement.params, statement.types);
          statement.types = types;
          await this.runStatement(channel, session, statement.sql, values, true);
          break;
        }
        case Command.STMT_CLOSE:
          prepared.delete(reader.u32());
          break;
        case Command.STMT_RESET:
          channel.write(okPacket(0, this.status(session)));
          break;
        default:
          channel.write(errPacket(ServerErrors.unknownCommand()));
      }
      if (channel.isClosed) return;
    }
  }

  private lexOptions(session: Session) {
    return { noBackslashEscapes: session.noBackslashEscapes, versionNumber: this.versionNumber };
  }

  private status(session: Session): number {
    return (session.autocommit ? ServerStatus.AUTOCOMMIT : 0) | (session.transaction ? ServerStatus.IN_TRANS : 0);
  }

  private async runStatement(
    channel: PacketChannel,
    session: Session,
    sql: string,
    params: readonly Value[],
    binary: boolean,
  ): Promise<void> {
    session.command = 'Query';
    session.info = sql;
    session.stateSinceMs = this.now();
    let error: MysqlServerError | undefined;
    try {
      const fault = await this.hooks.beforeStatement?.({ sql, session });
      if (fault === 'cut-before') {
        channel.cut();
        return;
      }
      let result: StatementResult;
      try {
        const { statement } = parseStatement(sql, this.lexOptions(session));
        result = await this.engine.execute(statement, session, params);
      } catch (caught) {
        error = asServerError(caught);
        if (fault === 'cut-after') {
          channel.cut();
          return;
        }
        channel.write(errPacket(error));
        return;
      }
      if (fault === 'cut-after') {
        channel.cut();
        return;
      }
      this.writeResult(channel, session, result, binary);
    } finally {
      if ((session.command as Session['command']) !== 'Killed') session.command = 'Sleep';
      session.info = null;
      session.stateSinceMs = this.now();
      this.hooks.afterStatement?.({ sql, session, ...(error ? { error } : {}) });
    }
  }

  private writeResult(channel: PacketChannel, session: Session, result: StatementResult, binary: boolean): void {
    const status = this.status(session);
    if (result.kind === 'ok') {
      channel.write(okPacket(result.affectedRows, status));
      return;
    }
    channel.write(Buffer.from([result.columns.length]));
    for (const column of result.columns) channel.write(columnDefinition(column));
    channel.write(eofPacket(status));
    for (const row of result.rows) channel.write(binary ? binaryRow(row, result.columns) : textRow(row));
    channel.write(eofPacket(status));
  }

  /** The account names the double knows, for test messages. */
  accountNames(): AccountName[] {
    return this.accounts.all().map((a) => ({ user: a.user, host: a.host }));
  }
}

function asServerError(error: unknown): MysqlServerError {
  if (error instanceof MysqlServerError) return error;
  // A bug in the double must not look like a server answer a strategy could rely on.
  return new MysqlServerError(1105, 'HY000', `test double internal error: ${(error as Error).message}`);
}
