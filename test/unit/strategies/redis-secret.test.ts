import {
  mayPredate,
  parseAclGetUser,
  parseClientList,
  redisPasswordHash,
} from '../../../functions/strategies/redis/acl';
import { parseRedisSecret } from '../../../functions/strategies/redis/secret';

const base = { engine: 'redis', host: 'cache.internal', username: 'app', password: 'pw-value-1' };
const parse = (value: Record<string, unknown>) => parseRedisSecret(JSON.stringify(value), 'current');

describe('parseRedisSecret', () => {
  it('applies the defaults: port 6379, no TLS, no master', () => {
    expect(parse(base)).toMatchObject({ host: 'cache.internal', port: 6379, ssl: false, username: 'app' });
    expect(parse(base).masterarn).toBeUndefined();
  });

  it('accepts the string forms AWS secrets carry for port and ssl', () => {
    expect(parse({ ...base, port: '6380', ssl: 'true' })).toMatchObject({ port: 6380, ssl: true });
  });

  it('keeps every field, known or not, for the next version', () => {
    expect(parse({ ...base, note: 'x', replicationGroupId: 'rg' }).fields).toMatchObject({
      note: 'x',
      replicationGroupId: 'rg',
    });
  });

  it.each([
    ['the wrong engine', { ...base, engine: 'postgres' }, /engine: must be "redis"/],
    ['a missing password', { ...base, password: undefined }, /password: expected string/],
    ['a missing host', { ...base, host: undefined }, /host: expected string/],
    ['a user name with a space', { ...base, username: 'a b' }, /username: must not contain whitespace/],
    ['a user name with a newline', { ...base, username: 'a\nb' }, /username: must not contain whitespace/],
    ['a port out of range', { ...base, port: 0 }, /port: must be at least 1/],
  ])('refuses %s, naming the field and never the value', (_label, value, message) => {
    let thrown: Error | undefined;
    try {
      parse(value);
    } catch (error) {
      thrown = error as Error;
    }
    expect(thrown?.name).toBe('InvalidSecretValueError');
    expect(thrown?.message).toMatch(message);
    expect(thrown?.message).not.toContain('pw-value-1');
  });

  it('says "not valid JSON" without quoting the input', () => {
    expect(() => parseRedisSecret('{"password": "pw-value-2"', 'pending')).toThrow(
      /^the pending value is not valid JSON$/,
    );
  });
});

describe('ACL and CLIENT LIST replies', () => {
  it('hashes passwords as Redis lists them: SHA-256 hex of the UTF-8 bytes', () => {
    // ACL GETUSER of a user created with ">pw1" lists this hash (checked against redis-server 7).
    expect(redisPasswordHash('pw1')).toBe('c592df4a86933b92addc9842402ddf198c638ea9be58916ee6e3734e1e3152f8');
  });

  it('reads flags and password hashes from ACL GETUSER; null is no such user', () => {
    const reply = [
      'flags',
      ['on'],
      'passwords',
      ['AB'.repeat(32)],
      'commands',
      '-@all +ping',
      'keys',
      '',
      'channels',
      '',
    ];
    expect(parseAclGetUser(reply)).toEqual({ flags: ['on'], passwordHashes: ['ab'.repeat(32)] });
    expect(parseAclGetUser(null)).toBeUndefined();
  });

  it('reads id, name, user and age from CLIENT LIST', () => {
    const text =
      'id=7 addr=127.0.0.1:1 laddr=127.0.0.1:2 fd=8 name= age=12 idle=0 flags=N db=0 cmd=ping user=a"b redir=-1 resp=2\n' +
      'id=9 addr=127.0.0.1:3 laddr=127.0.0.1:2 fd=9 name=keyturn-rotation age=0 idle=0 flags=N db=0 cmd=client|list user=m redir=-1 resp=2\n';
    expect(parseClientList(text)).toEqual([
      { id: 7, name: '', user: 'a"b', ageSeconds: 12 },
      { id: 9, name: 'keyturn-rotation', user: 'm', ageSeconds: 0 },
    ]);
  });

  it('counts a connection as possibly older than the change within the one-second uncertainty of its age', () => {
    const change = new Date(100_000);
    const client = (ageSeconds: number) => ({ id: 1, name: '', user: 'u', ageSeconds });
    expect(mayPredate(client(5), change, 104_000)).toBe(true); // opened about 99 s: before
    expect(mayPredate(client(0), change, 100_500)).toBe(true); // opened within a second of the change: counted
    expect(mayPredate(client(0), change, 103_000)).toBe(false); // opened well after the change
  });
});
