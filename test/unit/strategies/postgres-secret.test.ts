import { alternateUsername } from '../../../functions/strategies/postgres/alternating-users';
import { parsePostgresSecret } from '../../../functions/strategies/postgres/secret';

const base = { engine: 'postgres', host: 'db.internal', username: 'app', password: 'pw-value-1' };
const parse = (value: Record<string, unknown>) => parsePostgresSecret(JSON.stringify(value), 'current');

describe('parsePostgresSecret', () => {
  it('applies AWS defaults: port 5432, database postgres, no TLS', () => {
    expect(parse(base)).toMatchObject({
      location: { host: 'db.internal' }, // the port default applies where it connects
      dbname: 'postgres',
      ssl: false,
      username: 'app',
    });
  });

  it('accepts the string forms AWS secrets carry for port and ssl', () => {
    expect(parse({ ...base, port: '6432', ssl: 'true' })).toMatchObject({ location: { port: 6432 }, ssl: true });
    expect(parse({ ...base, ssl: 'false' })).toMatchObject({ ssl: false });
  });

  it('takes an RDS instance or cluster identifier instead of a host', () => {
    const { host: _host, ...withoutHost } = base;
    expect(parse({ ...withoutHost, dbInstanceIdentifier: 'Orders-Prod' }).location).toEqual({
      instanceIdentifier: 'orders-prod',
    });
    expect(parse({ ...withoutHost, dbClusterIdentifier: 'orders-aurora' }).location).toEqual({
      clusterIdentifier: 'orders-aurora',
    });
  });

  it('keeps every field, known or not, for the next version', () => {
    expect(parse({ ...base, dbInstanceIdentifier: 'orders', note: 'x' }).fields).toMatchObject({
      dbInstanceIdentifier: 'orders',
      note: 'x',
    });
  });

  it.each([
    ['a port out of range', { ...base, port: 70000 }, /port: must be at most 65535/],
    ['a port that is not a number', { ...base, port: 'five' }, /port: has none of the accepted types/],
    ['ssl that is not a boolean', { ...base, ssl: 'yes' }, /ssl: has none of the accepted types/],
    ['an empty host', { ...base, host: '' }, /host: must not be empty/],
    [
      'a user name longer than PostgreSQL keeps',
      { ...base, username: 'u'.repeat(64) },
      /username: must be at most 63 bytes/,
    ],
    ['the wrong engine', { ...base, engine: 'mysql' }, /engine: must be "postgres"/],
    ['a missing password', { engine: 'postgres', host: 'h', username: 'u' }, /password: expected string/],
  ])('names the field for %s, never the value', (_label, value, message) => {
    expect(() => parse(value)).toThrow(message);
    expect(() => parse(value)).toThrow(expect.objectContaining({ name: 'InvalidSecretValueError' }) as Error);
    try {
      parse(value);
    } catch (error) {
      expect((error as Error).message).not.toContain('pw-value-1');
    }
  });

  it('refuses JSON that is not an object without quoting it', () => {
    expect(() => parsePostgresSecret('["pw-value-1"]', 'pending')).toThrow(
      'the pending value is JSON but not an object',
    );
    expect(() => parsePostgresSecret('{"password": "pw-value-1"', 'pending')).toThrow(
      /^the pending value is not valid JSON$/,
    );
  });
});

describe('alternateUsername', () => {
  it('switches between a user and its clone', () => {
    expect(alternateUsername('orders')).toBe('orders_clone');
    expect(alternateUsername('orders_clone')).toBe('orders');
  });

  it('refuses a user whose clone name would not fit in 63 bytes, or is empty', () => {
    expect(() => alternateUsername('u'.repeat(58))).toThrow(/not a valid PostgreSQL role name/);
    expect(alternateUsername('u'.repeat(57))).toHaveLength(63);
    expect(() => alternateUsername('_clone')).toThrow(/not a valid PostgreSQL role name/);
  });
});
