import {
  describeLocation,
  hasRdsIdentifier,
  isValidRdsIdentifier,
  parseDatabaseLocation,
} from '../../../functions/strategies/database/location';

/** What `fn` throws (undefined when it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('database location: parsing a secret', () => {
  it('takes host and port, with the port as a number or a numeric string', () => {
    expect(parseDatabaseLocation({ host: 'db.example.com', port: 5433 }, 'current')).toEqual({
      host: 'db.example.com',
      port: 5433,
    });
    expect(parseDatabaseLocation({ host: 'db.example.com', port: '3306' }, 'current')).toEqual({
      host: 'db.example.com',
      port: 3306,
    });
  });

  it('leaves the port out when the secret has none (the caller knows the engine default)', () => {
    expect(parseDatabaseLocation({ host: 'db.example.com' }, 'current')).toEqual({ host: 'db.example.com' });
  });

  it('takes a dbInstanceIdentifier or a dbClusterIdentifier without a host, in lower case as RDS keeps them', () => {
    expect(parseDatabaseLocation({ dbInstanceIdentifier: 'Orders-DB' }, 'current')).toEqual({
      instanceIdentifier: 'orders-db',
    });
    expect(parseDatabaseLocation({ dbClusterIdentifier: 'orders-cluster' }, 'current')).toEqual({
      clusterIdentifier: 'orders-cluster',
    });
  });

  it('keeps host and identifier together, as in the secrets AWS creates for RDS', () => {
    expect(
      parseDatabaseLocation(
        { host: 'orders.abc.us-east-1.rds.amazonaws.com', port: 5432, dbInstanceIdentifier: 'orders' },
        'current',
      ),
    ).toEqual({ host: 'orders.abc.us-east-1.rds.amazonaws.com', port: 5432, instanceIdentifier: 'orders' });
  });

  it('refuses a secret that names no database, naming the fields it needs', () => {
    expect(thrown(() => parseDatabaseLocation({ username: 'app', password: 'secret-value' }, 'current'))).toMatchObject(
      {
        name: 'InvalidSecretValueError',
        message: expect.stringMatching(/"host".*"dbInstanceIdentifier".*"dbClusterIdentifier"/) as string,
      },
    );
  });

  it.each([
    ['starts with a digit', '1orders'],
    ['has two consecutive hyphens', 'orders--db'],
    ['ends with a hyphen', 'orders-'],
    ['has an underscore', 'orders_db'],
    ['is longer than 63 characters', `a${'b'.repeat(63)}`],
    ['is empty', ''],
  ])('refuses an identifier that %s, naming the field but not the value', (_why, identifier) => {
    let error: unknown;
    try {
      parseDatabaseLocation({ dbInstanceIdentifier: identifier, password: 'hunter2-secret' }, 'pending');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ name: 'InvalidSecretValueError' });
    const message = (error as Error).message;
    expect(message).toContain('dbInstanceIdentifier');
    expect(message).toContain('pending');
    expect(message).not.toContain('hunter2');
    if (identifier.length > 2) expect(message).not.toContain(identifier);
  });

  it('refuses a port out of range and a host that is empty', () => {
    expect(() => parseDatabaseLocation({ host: 'db', port: 70000 }, 'current')).toThrow(/port/);
    expect(() => parseDatabaseLocation({ host: '' }, 'current')).toThrow(/host: must not be empty/);
  });

  it('validates identifiers like RDS', () => {
    expect(isValidRdsIdentifier('a')).toBe(true);
    expect(isValidRdsIdentifier('orders-db-1')).toBe(true);
    expect(isValidRdsIdentifier(`a${'b'.repeat(62)}`)).toBe(true);
    expect(isValidRdsIdentifier('a-')).toBe(false);
    expect(isValidRdsIdentifier('-a')).toBe(false);
  });
});

describe('database location: describing it', () => {
  it('names the cluster or instance first, then the address', () => {
    expect(describeLocation({ clusterIdentifier: 'c1' })).toBe('DB cluster "c1"');
    expect(describeLocation({ instanceIdentifier: 'db1', host: 'h', port: 5432 })).toBe('DB instance "db1" (h:5432)');
    expect(describeLocation({ host: 'db.example.com' })).toBe('db.example.com');
    expect(hasRdsIdentifier({ host: 'h' })).toBe(false);
    expect(hasRdsIdentifier({ clusterIdentifier: 'c' })).toBe(true);
  });
});
