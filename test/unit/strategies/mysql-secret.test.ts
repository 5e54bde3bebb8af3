import { alternateUsername, originalUsername } from '../../../functions/strategies/mysql/alternating-users';
import { authPluginOf } from '../../../functions/strategies/mysql/account-auth';
import { nativePasswordHash } from '../../../functions/strategies/mysql/password-statements';
import { quoteAccount, quoteIdentifier, quoteString } from '../../../functions/strategies/mysql/quoting';
import { parseMysqlSecret } from '../../../functions/strategies/mysql/secret';
import { sessionsOpenedBefore } from '../../../functions/strategies/mysql/sessions';

const base = { engine: 'mysql', host: 'db.internal', username: 'app', password: 'pw-value-1' };
const parse = (value: Record<string, unknown>) => parseMysqlSecret(JSON.stringify(value), 'current');

describe('parseMysqlSecret', () => {
  it('applies AWS defaults: no port (3306 where it connects), no database, no TLS', () => {
    const secret = parse(base);
    expect(secret).toMatchObject({ engine: 'mysql', location: { host: 'db.internal' }, ssl: false, username: 'app' });
    expect(secret.dbname).toBeUndefined();
  });

  it('accepts engine mariadb and the string forms AWS secrets carry for port and ssl', () => {
    expect(parse({ ...base, engine: 'mariadb', port: '3307', ssl: 'true', dbname: 'shop' })).toMatchObject({
      engine: 'mariadb',
      location: { host: 'db.internal', port: 3307 },
      ssl: true,
      dbname: 'shop',
    });
  });

  it('keeps every field, known or not, for the next version', () => {
    expect(parse({ ...base, masterarn: 'arn:x', dbClusterIdentifier: 'c1' }).fields).toMatchObject({
      masterarn: 'arn:x',
      dbClusterIdentifier: 'c1',
    });
  });

  it.each([
    ['the wrong engine', { ...base, engine: 'postgres' }, /engine: must be "mysql" or "mariadb"/],
    ['a missing engine', { ...base, engine: undefined }, /engine: /],
    ['a port out of range', { ...base, port: 0 }, /port: must be at least 1/],
    ['ssl that is not a boolean', { ...base, ssl: 'yes' }, /ssl: has none of the accepted types/],
    ['an empty host', { ...base, host: '' }, /host: must not be empty/],
    ['a user name longer than any server keeps', { ...base, username: 'u'.repeat(81) }, /username: must be at most 80/],
    ['a NUL in the password', { ...base, password: 'pw-value-1\0' }, /password: must not contain a NUL/],
    ['a missing password', { engine: 'mysql', host: 'h', username: 'u' }, /password: expected string/],
  ])('names the field for %s, never the value', (_label, value, message) => {
    expect(() => parse(value)).toThrow(message);
    expect(() => parse(value)).toThrow(expect.objectContaining({ name: 'InvalidSecretValueError' }) as Error);
    try {
      parse(value);
    } catch (error) {
      expect((error as Error).message).not.toContain('pw-value-1');
    }
  });

  it('refuses a value that is not JSON without quoting it', () => {
    expect(() => parseMysqlSecret('{"password": "pw-value-1"', 'pending')).toThrow(
      /^the pending value is not valid JSON$/,
    );
  });
});

describe('alternate user names', () => {
  it('switch between a user and its clone; the original is the name without the suffix', () => {
    expect(alternateUsername('orders')).toBe('orders_clone');
    expect(alternateUsername('orders_clone')).toBe('orders');
    expect(originalUsername('orders_clone')).toBe('orders');
    expect(originalUsername('orders')).toBe('orders');
  });

  it('refuse a clone name longer than any server allows, or empty', () => {
    expect(() => alternateUsername('u'.repeat(75))).toThrow(/cannot alternate/);
    expect(alternateUsername('u'.repeat(74))).toHaveLength(80);
    expect(() => alternateUsername('_clone')).toThrow(/cannot alternate/);
  });
});

describe('quoting', () => {
  it('keeps any name one identifier, whatever it holds', () => {
    expect(quoteIdentifier('a`b')).toBe('`a``b`');
    expect(quoteIdentifier('a.b')).toBe('`a.b`'); // not split at the dot, unlike mysql2's escapeId
    expect(quoteAccount({ user: "x'; DROP USER y; --", host: '%' })).toBe("`x'; DROP USER y; --`@`%`");
  });

  it('doubles quotes and backslashes in literals, so no backslash can escape the closing quote', () => {
    expect(quoteString("it's")).toBe("'it''s'");
    expect(quoteString('a\\')).toBe("'a\\\\'");
    expect(quoteString("\\'; DROP TABLE t; --")).toBe("'\\\\''; DROP TABLE t; --'");
    expect(() => quoteString('a\0b')).toThrow(RangeError);
  });
});

describe('nativePasswordHash', () => {
  it("is MySQL's PASSWORD(): '*' and upper-case hex SHA1(SHA1(password))", () => {
    expect(nativePasswordHash('password')).toBe('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
  });
});

describe('authPluginOf (SHOW CREATE USER)', () => {
  const account = { user: 'app', host: '%' };
  it.each([
    [
      "CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'",
      'mysql_native_password',
    ],
    ["CREATE USER `app`@`%` IDENTIFIED VIA ed25519 USING 'GfU3dYKAX4NwSem1xjcPZKdRzDQNtuUszanA8vGTmIM'", 'ed25519'],
    ['CREATE USER `app`@`%`', 'mysql_native_password'],
    [
      "CREATE USER `app`@`%` IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$\u0001'\u0002' REQUIRE NONE",
      'caching_sha2_password',
    ],
    ["CREATE USER `IDENTIFIED VIA pam`@`%` IDENTIFIED WITH 'mysql_native_password' AS '*AB'", 'mysql_native_password'],
  ])('%s → %s', (text, plugin) => {
    expect(authPluginOf(text, account)).toBe(plugin);
  });

  it.each([
    ['CREATE USER `app`@`%` IDENTIFIED VIA unix_socket', 'unix_socket'],
    ["CREATE USER `app`@`%` IDENTIFIED WITH 'AWSAuthenticationPlugin' AS 'RDS'", 'awsauthenticationplugin'],
  ])('refuses a plugin without a password: %s', (text, plugin) => {
    expect(() => authPluginOf(text, account)).toThrow(
      expect.objectContaining({
        name: 'UnsupportedAuthPluginError',
        message: expect.stringContaining(plugin) as string,
      }) as Error,
    );
  });
});

describe('sessionsOpenedBefore', () => {
  const changedAt = new Date('2026-11-22T04:00:00.000Z');
  const now = new Date('2026-11-22T04:00:10.000Z'); // 10 s after the change

  it('counts a session idle since before the change, and every session with a lower id', () => {
    const split = sessionsOpenedBefore(
      [
        { id: 5, stateMs: 200 }, // busy now, but opened before session 7
        { id: 7, stateMs: 12_000 }, // idle since before the change
        { id: 9, stateMs: 50 }, // cannot be dated
      ],
      changedAt,
      now,
    );
    expect(split.before.map((s) => s.id)).toEqual([5, 7]);
    expect(split.unknown.map((s) => s.id)).toEqual([9]);
  });

  it('dates nothing it cannot prove, allowing for clock differences', () => {
    expect(sessionsOpenedBefore([{ id: 3, stateMs: 10_500 }], changedAt, now).before).toEqual([]);
    expect(sessionsOpenedBefore([{ id: 3, stateMs: 11_001 }], changedAt, now).before).toHaveLength(1);
  });
});
