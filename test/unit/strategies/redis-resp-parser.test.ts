import {
  encodeCommand,
  RespError,
  RespParser,
  RespProtocolError,
  Sensitive,
  type RespValue,
} from '../../../functions/strategies/redis/resp-parser';
import { commandName, scrubErrorReply } from '../../../functions/strategies/redis/resp-client';

const parseAll = (wire: string): RespValue[] => new RespParser().push(Buffer.from(wire));

describe('RESP2 parser: every reply type', () => {
  it('parses simple strings, errors, integers, bulk strings and nulls', () => {
    expect(parseAll('+OK\r\n')).toEqual(['OK']);
    expect(parseAll(':-42\r\n')).toEqual([-42]);
    expect(parseAll('$5\r\nhello\r\n')).toEqual(['hello']);
    expect(parseAll('$0\r\n\r\n')).toEqual(['']);
    expect(parseAll('$-1\r\n')).toEqual([null]);
    expect(parseAll('*-1\r\n')).toEqual([null]);
    expect(parseAll('*0\r\n')).toEqual([[]]);
    const [error] = parseAll('-WRONGPASS invalid username-password pair\r\n');
    expect(error).toBeInstanceOf(RespError);
    expect((error as RespError).code).toBe('WRONGPASS');
    expect((error as RespError).message).toBe('WRONGPASS invalid username-password pair');
  });

  it('keeps CR, LF and multi-byte UTF-8 inside a bulk string (length counts bytes)', () => {
    const text = 'a\r\nb ü €';
    expect(parseAll(`$${Buffer.byteLength(text)}\r\n${text}\r\n`)).toEqual([text]);
  });

  it('parses nested arrays with every type inside, errors included', () => {
    const wire = '*4\r\n:1\r\n*2\r\n$3\r\nfoo\r\n*1\r\n$-1\r\n-NOPERM no\r\n+PONG\r\n';
    expect(parseAll(wire)).toEqual([[1, ['foo', [null]], new RespError('NOPERM no'), 'PONG']]);
  });

  it('returns pipelined replies in order, several from one chunk', () => {
    expect(parseAll('+OK\r\n:3\r\n$2\r\nhi\r\n-ERR x\r\n')).toEqual(['OK', 3, 'hi', new RespError('ERR x')]);
  });
});

describe('RESP2 parser: fragmented input', () => {
  const wire = '*3\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$6\r\nnopass\r\n:100\r\n+OK\r\n';
  const expected = [['flags', ['on', 'nopass'], 100], 'OK'];

  it('gives the same replies when fed one byte at a time', () => {
    const parser = new RespParser();
    const replies: RespValue[] = [];
    for (const byte of Buffer.from(wire)) replies.push(...parser.push(Buffer.from([byte])));
    expect(replies).toEqual(expected);
    expect(parser.pendingBytes).toBe(0);
  });

  it('gives the same replies for every split point, including between CR and LF', () => {
    const bytes = Buffer.from(wire);
    for (let cut = 1; cut < bytes.length; cut++) {
      const parser = new RespParser();
      const replies = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))];
      expect(replies).toEqual(expected);
    }
  });

  it('holds back an incomplete reply until the rest arrives', () => {
    const parser = new RespParser();
    expect(parser.push(Buffer.from('$10\r\n01234'))).toEqual([]);
    expect(parser.pendingBytes).toBeGreaterThan(0);
    expect(parser.push(Buffer.from('56789\r\n+OK'))).toEqual(['0123456789']);
    expect(parser.push(Buffer.from('\r\n'))).toEqual(['OK']);
  });
});

describe('RESP2 parser: malformed input is a protocol error, not a guess', () => {
  it.each([
    ['an unknown type byte', '?what\r\n', /unexpected reply type byte 0x3f/],
    ['a non-numeric integer', ':12a\r\n', /bad integer/],
    ['a negative bulk length other than -1', '$-5\r\n', /bad bulk length/],
    ['a bulk string without its CRLF', '$2\r\nabcd\r\n', /does not end in CRLF/],
    ['a CR without LF', '+OK\rX', /CR without LF/],
  ])('%s', (_label, wire, message) => {
    expect(() => parseAll(wire)).toThrow(RespProtocolError);
    expect(() => parseAll(wire)).toThrow(message);
  });

  it('refuses a reply larger than its buffer limit', () => {
    const parser = new RespParser(16);
    expect(() => parser.push(Buffer.from('$100\r\n' + 'x'.repeat(20)))).toThrow(/exceeds 16 bytes/);
  });
});

describe('commands on the wire', () => {
  it('sends every argument as a length-prefixed bulk string (no inline command, no injection)', () => {
    const wire = encodeCommand(['ACL', 'SETUSER', 'a"b\r\nACL DELUSER x', new Sensitive('#abc')]).toString();
    expect(wire).toBe('*4\r\n$3\r\nACL\r\n$7\r\nSETUSER\r\n$18\r\na"b\r\nACL DELUSER x\r\n$4\r\n#abc\r\n');
  });

  it('counts bytes, not characters', () => {
    expect(encodeCommand(['ü']).toString()).toBe('*1\r\n$2\r\nü\r\n');
  });

  it('prints a sensitive argument as [redacted] and scrubs it, hashes and echoed arguments from error replies', () => {
    const secret = new Sensitive('s3cret-value');
    expect(String(secret)).toBe('[redacted]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    const hash = 'ab'.repeat(32);
    expect(scrubErrorReply(`ERR modifier '<s3cret-value' or '!${hash}' failed`, ['ACL', 'SETUSER', 'u', secret])).toBe(
      "ERR modifier '<[redacted]' or '![hash]' failed",
    );
    expect(scrubErrorReply("ERR unknown command 'HELLO', with args beginning with: '2' 'AUTH' 'u' 'pw'", [])).toBe(
      "ERR unknown command 'HELLO'",
    );
  });

  it('names commands by name and subcommand, never by argument', () => {
    expect(commandName(['acl', 'setuser', 'u', new Sensitive('#x')])).toBe('ACL SETUSER');
    expect(commandName(['PING'])).toBe('PING');
  });
});
