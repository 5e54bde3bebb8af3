import { isIP, Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { KeyturnError } from '../../shared/errors';
import { TargetUnreachableError, TlsRequiredError } from '../errors';
import { NETWORK_ERROR_CODES } from '../target-network';
import { tlsTrustFor, type TlsTrust } from '../tls-trust';
import {
  encodeCommand,
  RespError,
  RespParser,
  RespProtocolError,
  Sensitive,
  type RespArg,
  type RespCommand,
  type RespValue,
} from './resp-parser';

/** Where a Redis server listens, and whether to reach it over verified TLS. */
export interface RespEndpoint {
  readonly host: string;
  readonly port: number;
  /** Verified TLS: the chain (against what tls-trust.ts trusts for the host) and the host name or IP. */
  readonly ssl: boolean;
}

export interface RespConnectOptions {
  /** @default 5000 */
  readonly connectTimeoutMs?: number;
  /** How long a command may wait for its reply before the connection is given up. @default 15000 */
  readonly commandTimeoutMs?: number;
}

/** The server answered a command with an error reply (NOPERM, ERR, ...). The message is scrubbed of credentials. */
export class RedisCommandError extends KeyturnError {
  readonly name = 'RedisCommandError';
  constructor(
    message: string,
    /** The reply's first word: NOPERM, ERR, WRONGPASS, ... */
    readonly code: string,
  ) {
    super(message);
  }
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 15_000;
/** A SHA-256 in hex: what `#hash` / `!hash` ACL rules and ACL GETUSER carry. Never echoed. */
const HASH_PATTERN = /\b[0-9a-fA-F]{64}\b/g;

export function describeEndpoint(endpoint: RespEndpoint): string {
  return `${endpoint.host}:${endpoint.port}`;
}

/**
 * An error reply as text safe to log: credentials sent with the command are cut out, password
 * hashes are masked, and the "with args beginning with: ..." tail (which echoes arguments) is dropped.
 */
export function scrubErrorReply(message: string, command: RespCommand): string {
  let text = message.replace(/,? ?with args beginning with:.*$/s, '');
  for (const arg of command) {
    if (arg instanceof Sensitive && arg.value.length > 0) text = text.split(arg.value).join('[redacted]');
  }
  return text.replace(HASH_PATTERN, '[hash]').replace(/[\r\n]+/g, ' ');
}

interface Waiter {
  readonly command: RespCommand;
  resolve(value: RespValue): void;
  reject(error: Error): void;
}

/**
 * One RESP2 connection. Commands may be pipelined: replies are matched to commands in the
 * order they were sent. Any transport failure fails every waiting command and closes it.
 */
export class RespConnection {
  private readonly parser = new RespParser();
  private readonly waiting: Waiter[] = [];
  private failure: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly closed: Promise<void>;

  /** @internal use openRespConnection */
  constructor(
    private readonly socket: Socket | TLSSocket,
    readonly endpoint: RespEndpoint,
    private readonly commandTimeoutMs: number,
  ) {
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        resolve();
      });
    });
    socket.on('data', (chunk: Buffer) => {
      this.receive(chunk);
    });
    socket.on('error', (error: Error) => {
      this.fail(
        new TargetUnreachableError(`Redis at ${describeEndpoint(endpoint)} broke the connection: ${error.message}`),
      );
    });
    socket.on('close', () => {
      this.fail(new TargetUnreachableError(`Redis at ${describeEndpoint(endpoint)} closed the connection`));
    });
  }

  /** Whether the connection can still carry commands. */
  get isOpen(): boolean {
    return this.failure === undefined;
  }

  /** Sends the commands in one write and resolves with their replies, in order; error replies are values. */
  pipeline(commands: readonly RespCommand[]): Promise<RespValue[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (commands.length === 0) return Promise.resolve([]);
    const replies = commands.map(
      (command) =>
        new Promise<RespValue>((resolve, reject) => {
          this.waiting.push({ command, resolve, reject });
        }),
    );
    this.armTimer();
    this.socket.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies);
  }

  /** One command; an error reply is thrown as RedisCommandError (scrubbed). */
  async call(...command: RespArg[]): Promise<RespValue> {
    const [reply] = await this.pipeline([command]);
    if (reply instanceof RespError) {
      throw new RedisCommandError(
        `Redis at ${describeEndpoint(this.endpoint)} refused ${commandName(command)}: ${reply.message}`,
        reply.code,
      );
    }
    return reply ?? null;
  }

  /** Closes the connection (no QUIT round trip: nothing is waiting for its answer). */
  async close(): Promise<void> {
    this.fail(new TargetUnreachableError(`the connection to Redis at ${describeEndpoint(this.endpoint)} was closed`));
    await this.closed;
  }

  private receive(chunk: Buffer): void {
    let replies: RespValue[];
    try {
      replies = this.parser.push(chunk);
    } catch (error) {
      this.fail(
        new RespProtocolError(
          `Redis at ${describeEndpoint(this.endpoint)} sent a malformed reply: ${(error as Error).message}`,
        ),
      );
      return;
    }
    for (const reply of replies) {
      const waiter = this.waiting.shift();
      if (!waiter) {
        this.fail(new RespProtocolError(`Redis at ${describeEndpoint(this.endpoint)} sent a reply nobody asked for`));
        return;
      }
      waiter.resolve(
        reply instanceof RespError ? new RespError(scrubErrorReply(reply.message, waiter.command)) : reply,
      );
    }
    if (this.waiting.length === 0) this.clearTimer();
    else this.armTimer();
  }

  private armTimer(): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.fail(
        new TargetUnreachableError(
          `Redis at ${describeEndpoint(this.endpoint)} did not answer within ${this.commandTimeoutMs} ms`,
        ),
      );
    }, this.commandTimeoutMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fail(error: Error): void {
    this.clearTimer();
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
    this.socket.destroy();
  }
}

/** The command's name for messages (`ACL SETUSER`), never its arguments. */
export function commandName(command: RespCommand): string {
  const [first, second] = command;
  const name = typeof first === 'string' ? first.toUpperCase() : '?';
  const container = ['ACL', 'CLIENT', 'CONFIG', 'OBJECT', 'MEMORY', 'COMMAND'];
  return container.includes(name) && typeof second === 'string' ? `${name} ${second.toUpperCase()}` : name;
}

function classifyConnectError(
  error: Error,
  endpoint: RespEndpoint,
  trust: TlsTrust | undefined,
  tcpConnected: boolean,
): Error {
  const target = describeEndpoint(endpoint);
  const code = (error as { code?: unknown }).code;
  const tlsLike =
    /ssl|tls|certificate|self[- ]signed|altname/i.test(error.message) ||
    (typeof code === 'string' && /CERT|TLS|SSL|ALTNAME/.test(code));
  // Once TCP is up, any failure of a TLS connection before the handshake completes is a TLS failure.
  if (trust && (tlsLike || tcpConnected)) {
    return new TlsRequiredError(
      `TLS to ${target} failed and keyturn does not fall back to plaintext (trusted: ${trust.description}): ${error.message}`,
    );
  }
  if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) {
    return new TargetUnreachableError(`Redis at ${target} is unreachable: ${error.message} (${code})`);
  }
  return new TargetUnreachableError(`Redis at ${target} is unreachable: ${error.message}`);
}

/** Opens a TCP or verified-TLS connection; no command is sent. */
export function openRespConnection(endpoint: RespEndpoint, options: RespConnectOptions = {}): Promise<RespConnection> {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let tcpConnected = false;
    let settled = false;
    let trust: TlsTrust | undefined;
    let socket: Socket | TLSSocket;
    try {
      trust = endpoint.ssl ? tlsTrustFor(endpoint) : undefined;
      socket = trust
        ? tlsConnect({
            host: endpoint.host,
            port: endpoint.port,
            // SNI for host names only: an IP is checked against the certificate's IP SANs.
            ...(isIP(endpoint.host) ? {} : { servername: endpoint.host }),
            rejectUnauthorized: true,
            ...(trust.secureContext ? { secureContext: trust.secureContext } : {}),
          })
        : new Socket().connect({ host: endpoint.host, port: endpoint.port });
    } catch (error) {
      reject(error instanceof TlsRequiredError ? error : classifyConnectError(error as Error, endpoint, trust, false));
      return;
    }
    socket.setNoDelay(true);
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve(new RespConnection(socket, endpoint, commandTimeoutMs));
      }
    };
    const onError = (error: Error): void => {
      finish(classifyConnectError(error, endpoint, trust, tcpConnected));
    };
    const onClose = (): void => {
      finish(classifyConnectError(new Error('the connection closed during setup'), endpoint, trust, tcpConnected));
    };
    const timer = setTimeout(() => {
      const stage = tcpConnected ? 'the TLS handshake did not complete' : 'no TCP connection';
      finish(
        classifyConnectError(
          Object.assign(new Error(`${stage} within ${connectTimeoutMs} ms`), { code: 'ETIMEDOUT' }),
          endpoint,
          trust,
          tcpConnected,
        ),
      );
    }, connectTimeoutMs);
    socket.once('connect', () => {
      tcpConnected = true;
      if (!trust) finish();
    });
    if (trust) {
      socket.once('secureConnect', () => {
        finish();
      });
    }
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}
