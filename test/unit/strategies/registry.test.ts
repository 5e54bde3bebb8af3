import { createStrategyRegistry, selectStrategy } from '../../../functions/strategies/registry';

const registry = createStrategyRegistry();
const pg = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ engine: 'postgres', host: 'h', username: 'u', password: 'p', ...extra });

describe('selectStrategy', () => {
  it.each([
    ['postgres without masterarn: single user', {}, pg(), 'postgres-single-user'],
    ['postgres with masterarn: alternating users', {}, pg({ masterarn: 'arn:m' }), 'postgres-alternating-users'],
    ['the random tag on a plain string: random', { 'keyturn:strategy': 'random' }, 'token', 'random'],
    [
      'the iam-access-key tag on an access key (no engine field)',
      { 'keyturn:strategy': 'iam-access-key' },
      JSON.stringify({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 's', userName: 'ci' }),
      'iam-access-key',
    ],
    [
      'a tag that agrees with the engine',
      { 'keyturn:strategy': 'postgres-single-user' },
      pg({ masterarn: 'arn:m' }),
      'postgres-single-user',
    ],
    ['the random tag on a JSON secret with an engine field: random', { 'keyturn:strategy': 'random' }, pg(), 'random'],
    ['mysql without masterarn: single user', {}, pg({ engine: 'mysql' }), 'mysql-single-user'],
    [
      'mariadb with masterarn: alternating users',
      {},
      pg({ engine: 'mariadb', masterarn: 'arn:m' }),
      'mysql-alternating-users',
    ],
    [
      'a mysql tag on a mariadb secret',
      { 'keyturn:strategy': 'mysql-single-user' },
      pg({ engine: 'mariadb' }),
      'mysql-single-user',
    ],
    ['redis with masterarn: the Redis user', {}, pg({ engine: 'redis', masterarn: 'arn:m' }), 'redis-user'],
    ['redis without masterarn: an ElastiCache user', {}, pg({ engine: 'redis', userId: 'app' }), 'elasticache-user'],
  ])('%s', (_label, tags, value, expected) => {
    expect(selectStrategy(registry, tags, value).name).toBe(expected);
  });

  it.each([
    ['no tag and no engine', {}, 'plain', 'UnknownStrategyError', /no keyturn:strategy tag and no "engine" field/],
    [
      'an unknown tag',
      { 'keyturn:strategy': 'oracle-user' },
      'x',
      'UnknownStrategyError',
      /"oracle-user": expected one of random, /,
    ],
    [
      'an unsupported engine',
      {},
      JSON.stringify({ engine: 'db2' }),
      'UnknownStrategyError',
      /engine "db2" is not supported/,
    ],
    [
      'a tag that contradicts the engine',
      { 'keyturn:strategy': 'postgres-alternating-users' },
      JSON.stringify({ engine: 'mysql' }),
      'InvalidSecretValueError',
      /needs "engine": "postgres"/,
    ],
    [
      'a mysql tag on a postgres secret',
      { 'keyturn:strategy': 'mysql-alternating-users' },
      pg(),
      'InvalidSecretValueError',
      /needs "engine": "mysql" or "mariadb" in the secret, found "postgres"/,
    ],
  ])('%s is a named error', (_label, tags, value, name, message) => {
    expect(() => selectStrategy(registry, tags, value)).toThrow(
      expect.objectContaining({ name, message: expect.stringMatching(message) as string }) as Error,
    );
  });
});
