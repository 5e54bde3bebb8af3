import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Column } from './engine';
import type { MysqlServerError } from './errors';
import type { Value } from './session';

/**
 * The MySQL client/server protocol as the double speaks it (MySQL Internals, "Client/Server
 * Protocol", https://dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html): packets of
 * a 3-byte length and a sequence id; Handshake v10 and HandshakeResponse41; OK, ERR and EOF
 * packets (CLIENT_DEPRECATE_EOF is not offered); text and binary result sets.
 */

export const Capability = {
  LONG_PASSWORD: 0x1,
  FOUND_ROWS: 0x2,
  LONG_FLAG: 0x4,
  CONNECT_WITH_DB: 0x8,
  PROTOCOL_41: 0x200,
  INTERACTIVE: 0x400,
  SSL: 0x800,
  TRANSACTIONS: 0x2000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PS_MULTI_RESULTS: 0x40000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
} as const;

export const Command = {
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  PING: 0x0e,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  RESET_CONNECTION: 0x1f,
} as const;

export const ServerStatus = { IN_TRANS: 0x1, AUTOCOMMIT: 0x2 } as const;

const enum FieldType {
  DOUBLE = 0x05,
  LONGLONG = 0x08,
  VAR_STRING = 0xfd,
}
const UTF8MB4 = 255;
const BINARY = 63;

export function lenencInt(n: number): Buffer {
  if (n < 251) return Buffer.from([n]);
  if (n < 0x10000) return Buffer.from([0xfc, n & 0xff, n >> 8]);
  if (n < 0x1000000) return Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
  const b = Buffer.alloc(9);
  b[0] = 0xfe;
  b.writeBigUInt64LE(BigInt(n), 1);
  return b;
}

export function lenencString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([lenencInt(bytes.length), bytes]);
}

export function okPacket(affectedRows: number, status: number): Buffer {
  return Buffer.concat([Buffer.from([0x00]), lenencInt(affectedRows), lenencInt(0), u16(status), u16(0)]);
}

export function errPacket(error: MysqlServerError): Buffer {
  return Buffer.concat([
    Buffer.from([0xff]),
    u16(error.errno),
    Buffer.from(`#${error.sqlState}`, 'ascii'),
    Buffer.from(error.message, 'utf8'),
  ]);
}

export function eofPacket(status: number): Buffer {
  return Buffer.concat([Buffer.from([0xfe]), u16(0), u16(status)]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

export function columnDefinition(column: Column): Buffer {
  const type =
    column.type === 'int' ? FieldType.LONGLONG : column.type === 'double' ? FieldType.DOUBLE : FieldType.VAR_STRING;
  const fixed = Buffer.alloc(13);
  fixed[0] = 0x0c;
  fixed.writeUInt16LE(column.type === 'string' ? UTF8MB4 : BINARY, 1);
  fixed.writeUInt32LE(column.type === 'string' ? 1024 : 21, 3);
  fixed[7] = type;
  fixed.writeUInt16LE(column.type === 'string' ? 0 : 0x80 /* BINARY_FLAG */, 8);
  fixed[10] = column.type === 'double' ? 31 : 0;
  return Buffer.concat([
    lenencString('def'),
    lenencString(''),
    lenencString(''),
    lenencString(''),
    lenencString(column.name),
    lenencString(column.name),
    fixed,
  ]);
}

export function textRow(values: readonly Value[]): Buffer {
  return Buffer.concat(values.map((v) => (v === null ? Buffer.from([0xfb]) : lenencString(String(v)))));
}

export function binaryRow(values: readonly Value[], columns: readonly Column[]): Buffer {
  const bitmap = Buffer.alloc((values.length + 7 + 2) >> 3);
  const parts: Buffer[] = [];
  values.forEach((v, i) => {
    if (v === null) {
      const bit = i + 2;
      bitmap[bit >> 3] = (bitmap[bit >> 3] ?? 0) | (1 << (bit & 7));
      return;
    }
    const type = columns[i]?.type ?? 'string';
    if (type === 'int') {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(Math.trunc(Number(v))));
      parts.push(b);
    } else if (type === 'double') {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(Number(v));
      parts.push(b);
    } else {
      parts.push(lenencString(String(v)));
    }
  });
  return Buffer.concat([Buffer.from([0x00]), bitmap, ...parts]);
}

export function handshakeV10(options: {
  version: string;
  connectionId: number;
  scramble: Buffer;
  capabilities: number;
  authPlugin: string;
}): Buffer {
  const caps = options.capabilities;
  return Buffer.concat([
    Buffer.from([10]),
    Buffer.from(`${options.version}\0`, 'ascii'),
    u32(options.connectionId),
    options.scramble.subarray(0, 8),
    Buffer.from([0]),
    u16(caps & 0xffff),
    Buffer.from([UTF8MB4]),
    u16(ServerStatus.AUTOCOMMIT),
    u16(caps >>> 16),
    Buffer.from([21]),
    Buffer.alloc(10),
    options.scramble.subarray(8, 20),
    Buffer.from([0]),
    Buffer.from(`${options.authPlugin}\0`, 'ascii'),
  ]);
}

/** A reader over one packet's payload. */
export class PayloadReader {
  private at = 0;
  constructor(readonly buffer: Buffer) {}
  get remaining(): number {
    return this.buffer.length - this.at;
  }
  u8(): number {
    return this.buffer[this.at++] ?? 0;
  }
  u16(): number {
    const v = this.buffer.readUInt16LE(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    const v = this.buffer.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  skip(n: number): void {
    this.at += n;
  }
  bytes(n: number): Buffer {
    const b = this.buffer.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
  rest(): Buffer {
    return this.bytes(this.remaining);
  }
  nulString(): string {
    let end = this.buffer.indexOf(0, this.at);
    if (end < 0) end = this.buffer.length;
    const s = this.buffer.subarray(this.at, end).toString('utf8');
    this.at = end + 1;
    return s;
  }
  lenencInt(): number {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) {
      const v = this.buffer.readUIntLE(this.at, 3);
      this.at += 3;
      return v;
    }
    const v = Number(this.buffer.readBigUInt64LE(this.at));
    this.at += 8;
    return v;
  }
  lenencBytes(): Buffer {
    return this.bytes(this.lenencInt());
  }
}

export interface HandshakeResponse {
  readonly capabilities: number;
  readonly user: string;
  readonly authResponse: Buffer;
  readonly database?: string;
  readonly authPlugin?: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** An SSLRequest is a HandshakeResponse cut after its 32 fixed bytes, with CLIENT_SSL set. */
export function isSslRequest(payload: Buffer): boolean {
  return payload.length === 32 && (payload.readUInt32LE(0) & Capability.SSL) !== 0;
}

export function parseHandshakeResponse(payload: Buffer): HandshakeResponse {
  const r = new PayloadReader(payload);
  const capabilities = r.u32();
  r.u32(); // max packet size
  r.u8(); // character set
  r.skip(23);
  const user = r.nulString();
  let authResponse: Buffer;
  if (capabilities & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = Buffer.from(r.lenencBytes());
  else if (capabilities & Capability.SECURE_CONNECTION) authResponse = Buffer.from(r.bytes(r.u8()));
  else authResponse = Buffer.from(r.nulString(), 'binary');
  const database = capabilities & Capability.CONNECT_WITH_DB && r.remaining > 0 ? r.nulString() : undefined;
  const authPlugin = capabilities & Capability.PLUGIN_AUTH && r.remaining > 0 ? r.nulString() : undefined;
  const attributes: Record<string, string> = {};
  if (capabilities & Capability.CONNECT_ATTRS && r.remaining > 0) {
    const attrs = new PayloadReader(r.lenencBytes());
    while (attrs.remaining > 0) attributes[attrs.lenencBytes().toString('utf8')] = attrs.lenencBytes().toString('utf8');
  }
  return {
    capabilities,
    user,
    authResponse,
    ...(database ? { database } : {}),
    ...(authPlugin ? { authPlugin } : {}),
    attributes,
  };
}

/**
 * One connection's packet stream: reads whole packets, writes with the next sequence id, and
 * upgrades to TLS in place after an SSLRequest.
 */
export class PacketChannel {
  private buffer = Buffer.alloc(0);
  private readonly queue: Buffer[] = [];
  private waiting: { resolve: (p: Buffer) => void; reject: (e: Error) => void } | undefined;
  private closed = false;
  private sequence = -1;
  private stream: Socket | TLSSocket;
  private readonly onData = (chunk: Buffer) => {
    this.receive(chunk);
  };
  tls = false;

  constructor(readonly socket: Socket) {
    this.stream = socket;
    socket.on('data', this.onData);
    const end = () => {
      this.close();
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUIntLE(0, 3);
      if (this.buffer.length < 4 + length) break;
      const sequence = this.buffer[3] ?? 0;
      const payload = this.buffer.subarray(4, 4 + length);
      this.buffer = this.buffer.subarray(4 + length);
      this.sequence = sequence;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w.resolve(payload);
      } else {
        this.queue.push(payload);
      }
      // An SSLRequest is followed by the TLS handshake: stop parsing packets until the upgrade.
      if (!this.tls && isSslRequest(payload)) {
        this.stream.removeListener('data', this.onData);
        this.stream.pause();
        if (this.buffer.length > 0) this.stream.unshift(this.buffer);
        this.buffer = Buffer.alloc(0);
        return;
      }
    }
  }

  read(): Promise<Buffer> {
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  write(payload: Buffer): void {
    if (this.closed) return;
    this.sequence = (this.sequence + 1) & 0xff;
    const header = Buffer.alloc(4);
    header.writeUIntLE(payload.length, 0, 3);
    header[3] = this.sequence;
    this.stream.write(Buffer.concat([header, payload]));
  }

  /** A new command starts a new sequence (the client sends it with id 0). */
  resetSequence(): void {
    this.sequence = -1;
  }

  upgradeToTls(context: SecureContext): Promise<void> {
    const secure = new TLSSocket(this.socket, { isServer: true, secureContext: context });
    this.stream = secure;
    this.tls = true;
    secure.on('data', this.onData);
    secure.on('error', () => {
      this.close();
    });
    return new Promise((resolve, reject) => {
      secure.once('secure', () => {
        resolve();
      });
      secure.once('error', reject);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting?.reject(new Error('connection closed'));
    this.waiting = undefined;
    this.stream.end();
    this.socket.destroy();
  }

  /** Ends the connection at once, without a reply: a connection cut mid-statement. */
  cut(): void {
    this.closed = true;
    this.waiting?.reject(new Error('connection cut'));
    this.waiting = undefined;
    this.socket.resetAndDestroy();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** COM_STMT_EXECUTE's parameters, in the types mysql2 sends (and the common integer ones). */
export function parseExecute(
  payload: PayloadReader,
  paramCount: number,
  previousTypes: number[],
): { statementId: number; values: Value[]; types: number[] } {
  const statementId = payload.u32();
  payload.u8(); // flags
  payload.u32(); // iteration count
  const values: Value[] = [];
  let types = previousTypes;
  if (paramCount > 0) {
    const nulls = payload.bytes((paramCount + 7) >> 3);
    const bound = payload.u8();
    if (bound === 1) {
      types = [];
      for (let i = 0; i < paramCount; i++) {
        types.push(payload.u8());
        payload.u8(); // unsigned flag
      }
    }
    for (let i = 0; i < paramCount; i++) {
      if (((nulls[i >> 3] ?? 0) >> (i & 7)) & 1) {
        values.push(null);
        continue;
      }
      switch (types[i]) {
        case 0x01:
          values.push(payload.u8());
          break;
        case 0x02:
          values.push(payload.u16());
          break;
        case 0x03:
          values.push(payload.u32());
          break;
        case 0x08:
          values.push(Number(payload.bytes(8).readBigInt64LE()));
          break;
        case 0x05:
          values.push(payload.bytes(8).readDoubleLE());
          break;
        case 0x06:
          values.push(null);
          break;
        default:
          values.push(payload.lenencBytes().toString('utf8'));
      }
    }
  }
  return { statementId, values, types };
}
