import { KeyturnError } from '../../shared/errors';

/**
 * RESP2, the Redis wire protocol (https://redis.io/docs/latest/develop/reference/protocol-spec/),
 * as far as keyturn needs it: commands go out as arrays of bulk strings, replies come back as
 * simple strings, errors, integers, bulk strings and arrays (either may be null).
 */

/** An error reply (`-ERR ...`): an answer of the server, returned as a value, not thrown. */
export class RespError {
  constructor(readonly message: string) {}

  /** The first word by convention: ERR, WRONGPASS, NOPERM, NOAUTH, ... */
  get code(): string {
    return this.message.split(' ', 1)[0] ?? '';
  }
}

/** A reply. Simple and bulk strings are both strings (UTF-8); nulls are null. */
export type RespValue = string | number | null | RespError | readonly RespValue[];

/** The stream is not RESP2: the connection cannot be trusted any further. */
export class RespProtocolError extends KeyturnError {
  readonly name = 'RespProtocolError';
}

/**
 * A command argument whose value is a credential. It is sent as is, but stands for
 * `[redacted]` wherever it could be printed, and error replies that echo it are scrubbed.
 */
export class Sensitive {
  constructor(readonly value: string) {}
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
}

export type RespArg = string | Sensitive;
export type RespCommand = readonly RespArg[];

/**
 * A command as a RESP array of bulk strings: every argument is length-prefixed, so spaces,
 * quotes, CR/LF or a leading `>` in a user name stay inside that one argument (never inline).
 */
export function encodeCommand(command: RespCommand): Buffer {
  if (command.length === 0) throw new RespProtocolError('a command needs at least one argument');
  const parts: Buffer[] = [Buffer.from(`*${command.length}\r\n`)];
  for (const arg of command) {
    const bytes = Buffer.from(typeof arg === 'string' ? arg : arg.value, 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n');
const CR = 0x0d;
const LF = 0x0a;
/** Redis's own limit for one bulk string (proto-max-bulk-len default). */
const MAX_BULK_BYTES = 512 * 1024 * 1024;
/** Nesting deeper than this is not something keyturn's commands get back. */
const MAX_DEPTH = 32;

type Parsed = { readonly value: RespValue; readonly next: number } | undefined;

/**
 * An incremental parser: feed it chunks as the socket delivers them (split anywhere, even
 * inside `\r\n`), get back every reply that is complete, in order.
 */
export class RespParser {
  private buffer: Buffer = Buffer.alloc(0);

  /** @param maxBufferedBytes a reply larger than this is refused (a misbehaving peer cannot eat the memory). */
  constructor(private readonly maxBufferedBytes = 64 * 1024 * 1024) {}

  /** The replies completed by this chunk; an incomplete tail is kept for the next one. */
  push(chunk: Buffer): RespValue[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const replies: RespValue[] = [];
    let offset = 0;
    for (;;) {
      const parsed = this.parse(offset, 0);
      if (!parsed) break;
      replies.push(parsed.value);
      offset = parsed.next;
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
    if (this.buffer.length > this.maxBufferedBytes) {
      throw new RespProtocolError(`a reply exceeds ${this.maxBufferedBytes} bytes`);
    }
    return replies;
  }

  /** Bytes received that do not make a whole reply yet. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  private line(start: number): { text: string; next: number } | undefined {
    const end = this.buffer.indexOf(CR, start);
    if (end === -1 || end + 1 >= this.buffer.length) return undefined;
    if (this.buffer[end + 1] !== LF) throw new RespProtocolError('a line ends in CR without LF');
    return { text: this.buffer.toString('utf8', start, end), next: end + 2 };
  }

  private parse(offset: number, depth: number): Parsed {
    if (offset >= this.buffer.length) return undefined;
    if (depth > MAX_DEPTH) throw new RespProtocolError(`replies nested deeper than ${MAX_DEPTH}`);
    const type = String.fromCharCode(this.buffer[offset] as number);
    const header = this.line(offset + 1);
    if (!header) return undefined;
    switch (type) {
      case '+':
        return { value: header.text, next: header.next };
      case '-':
        return { value: new RespError(header.text), next: header.next };
      case ':':
        return { value: integer(header.text, 'integer'), next: header.next };
      case '$': {
        const length = integer(header.text, 'bulk length');
        if (length === -1) return { value: null, next: header.next };
        if (length < 0 || length > MAX_BULK_BYTES) throw new RespProtocolError(`bad bulk length ${length}`);
        const end = header.next + length;
        if (end + 2 > this.buffer.length) return undefined;
        if (this.buffer[end] !== CR || this.buffer[end + 1] !== LF) {
          throw new RespProtocolError('a bulk string does not end in CRLF');
        }
        return { value: this.buffer.toString('utf8', header.next, end), next: end + 2 };
      }
      case '*': {
        const count = integer(header.text, 'array length');
        if (count === -1) return { value: null, next: header.next };
        if (count < 0) throw new RespProtocolError(`bad array length ${count}`);
        const items: RespValue[] = [];
        let next = header.next;
        for (let i = 0; i < count; i++) {
          const item = this.parse(next, depth + 1);
          if (!item) return undefined;
          items.push(item.value);
          next = item.next;
        }
        return { value: items, next };
      }
      default:
        throw new RespProtocolError(
          `unexpected reply type byte 0x${(this.buffer[offset] as number).toString(16).padStart(2, '0')}`,
        );
    }
  }
}

function integer(text: string, what: string): number {
  if (!/^-?\d{1,16}$/.test(text)) throw new RespProtocolError(`bad ${what} (${text.length} characters)`);
  return Number(text);
}
