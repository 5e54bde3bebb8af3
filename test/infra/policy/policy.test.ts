import { probeFromTags, PROBE_TAG } from '../../../functions/strategies/probe/probe';
import { passwordPolicyFromTags } from '../../../functions/strategies/tag-options';
import { loadPolicy, parsePolicy } from '../../../infra/policy/load-policy';
import type { PolicyEntryInput } from '../../../infra/policy/schema';
import { DEFAULT_LIFECYCLE_SETTINGS, LifecycleTag } from '../../../functions/shared/lifecycle-contract';
import { readLifecycleSettings } from '../../../functions/tasks/settings';
import { keyturnTags, lifecycleTags, strategyTags } from '../../../infra/policy/strategy-tags';
import { effectiveGraceSeconds } from '../../../infra/policy/defaults';
import { policyProblems, policyWith } from '../support/policy';

const EXAMPLE = 'infra/policy/example.policy.ts';
const owner = { team: 'platform' };

function problems(input: unknown): string[] {
  return policyProblems(() => parsePolicy(input, 'test.policy.ts'));
}

const apiKey: PolicyEntryInput = { id: 'api-key', kind: 'random', secret: { name: 'svc/api-key' }, owner };
const master: PolicyEntryInput = {
  id: 'db-master',
  kind: 'postgres-single-user',
  secret: { name: 'db/master' },
  owner,
};

describe('the example policy', () => {
  const policy = loadPolicy(EXAMPLE);

  it('loads twenty-four entries and two KMS keys', () => {
    expect(policy.entries).toHaveLength(24);
    expect(policy.keys.map((k) => k.id)).toEqual(['orders-data-key', 'webhook-mac-key']);
  });

  it("applies the policy defaults over keyturn's, and entry settings over both", () => {
    const byId = new Map(policy.entries.map((e) => [e.id, e]));
    expect(byId.get('metrics-ingest-token')).toMatchObject({
      schedule: { expression: 'rate(60 days)', window: '4h' }, // policy default for random
      graceSeconds: 86_400, // keyturn's default for random
      alertRoute: 'platform', // the default route
    });
    expect(byId.get('ledger-db')).toMatchObject({
      schedule: { expression: 'rate(14 days)', window: '2h' },
      graceSeconds: 900,
    });
    expect(byId.get('reports-etl-db')?.revocation).toEqual({
      waitForIdle: true,
      maxWaitSeconds: 86_400,
      whenStillInUse: 'revoke',
      terminateSessions: true,
    });
    expect(policy.auditRetentionDays).toBe(400);
  });

  it('gives every entry the built-in minimum interval of an hour, and no change freezes', () => {
    expect(new Set(policy.entries.map((e) => e.minIntervalSeconds))).toEqual(new Set([3_600]));
    expect(policy.blackouts).toEqual([]);
  });
});

describe('lifecycle settings', () => {
  it('take the minimum interval from the entry, else its kind in the policy, else one hour', () => {
    const policy = parsePolicy(
      policyWith(
        [{ ...apiKey, minInterval: '6h' }, { ...apiKey, id: 'other-key', secret: { name: 'svc/other' } }, master],
        { defaults: { random: { minInterval: '2h' } } },
      ),
    );
    expect(policy.entries.map((e) => [e.id, e.minIntervalSeconds])).toEqual([
      ['api-key', 21_600],
      ['other-key', 7_200],
      ['db-master', 3_600],
    ]);
  });

  it('keep change freezes in policy order, their times in UTC', () => {
    const policy = parsePolicy(
      policyWith([apiKey], {
        blackouts: [
          { start: '2026-12-24T00:00:00+01:00', end: '2026-12-27T00:00:00+01:00', reason: 'holidays' },
          { start: '2027-03-01T08:00:00Z', end: '2027-03-01T12:00:00Z' },
        ],
      }),
    );
    expect(policy.blackouts).toEqual([
      { start: '2026-12-23T23:00:00.000Z', end: '2026-12-26T23:00:00.000Z', reason: 'holidays' },
      { start: '2027-03-01T08:00:00.000Z', end: '2027-03-01T12:00:00.000Z' },
    ]);
  });
});

describe('MySQL, Redis and RDS entries', () => {
  it('accept an RDS-managed master secret, an RDS instance or cluster, and masters of the same kind of server', () => {
    const policy = parsePolicy(
      policyWith([
        {
          id: 'orders-db',
          kind: 'postgres-alternating-users',
          secret: { name: 'orders/db/app' },
          owner,
          options: {
            rds: { cluster: 'orders-aurora' },
            master: { arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!cluster-0a1b2c3d-AbCdEf' },
          },
        },
        { id: 'shop-master', kind: 'mysql-single-user', secret: { name: 'shop/master' }, owner },
        {
          id: 'shop-db',
          kind: 'mysql-alternating-users',
          secret: { name: 'shop/app' },
          owner,
          options: { rds: { instance: 'shop-prod' }, master: { entry: 'shop-master' } },
        },
        {
          id: 'sessions',
          kind: 'redis-user',
          secret: { name: 'cache/sessions' },
          owner,
          options: { master: { arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cache/admin-AbCdEf' } },
        },
      ]),
      'test.policy.ts',
    );
    expect(policy.entries.map((e) => [e.id, e.graceSeconds])).toEqual([
      ['orders-db', 86_400],
      ['shop-master', 900],
      ['shop-db', 86_400],
      ['sessions', 86_400],
    ]);
  });
});

describe('invalid policies name the entry and the field', () => {
  it.each<[string, unknown, RegExp]>([
    [
      'a bad schedule expression',
      policyWith([{ ...apiKey, schedule: { expression: 'every tuesday' } }]),
      /^entry "api-key" \(entries\[0\]\) schedule\.expression: The schedule expression must be rate/,
    ],
    [
      'a rotation more often than every 4 hours',
      policyWith([{ ...apiKey, schedule: { expression: 'rate(2 hours)' } }]),
      /schedule\.expression: A rate in hours must be at least 4 hours/,
    ],
    [
      'a window longer than 24 hours',
      policyWith([{ ...apiKey, schedule: { expression: 'rate(30 days)', window: '36h' } }]),
      /schedule\.window: Duration must be a number of hours from 1h to 24h/,
    ],
    [
      'a grace window as long as the interval',
      policyWith([{ ...apiKey, schedule: { expression: 'rate(1 day)' }, grace: '24h' }]),
      /entry "api-key" \(entries\[0\]\) grace: 24h is not shorter than the rotation interval/,
    ],
    [
      'a malformed duration',
      policyWith([{ ...apiKey, grace: '1 week' }]),
      /grace: must be a duration such as 30m, 24h or 7d/,
    ],
    [
      'a duplicate id',
      policyWith([apiKey, { ...apiKey, secret: { name: 'other' } }]),
      /entries\[1\]\) id: duplicates the id of entries\[0\]/,
    ],
    [
      'the same secret twice',
      policyWith([apiKey, { ...apiKey, id: 'api-key-2' }]),
      /entry "api-key-2" \(entries\[1\]\) secret: names the same secret as entries\[0\]/,
    ],
    [
      'an unknown alert route',
      policyWith([{ ...apiKey, alertRoute: 'nobody' }]),
      /alertRoute: "nobody" is not a route in alerts\.routes/,
    ],
    [
      'an unknown default route',
      { ...policyWith([apiKey]), alerts: { routes: { a: {} }, defaultRoute: 'b' } },
      /^alerts\.defaultRoute: "b" is not a route/,
    ],
    [
      'an unknown kind',
      policyWith([{ ...apiKey, kind: 'oracle' } as unknown as PolicyEntryInput]),
      /entry "api-key" \(entries\[0\]\) kind: /,
    ],
    [
      'alternating users without a master',
      policyWith([
        {
          id: 'app-db',
          kind: 'postgres-alternating-users',
          secret: { name: 'db/app' },
          owner,
        } as unknown as PolicyEntryInput,
      ]),
      /entry "app-db" \(entries\[0\]\) options: /,
    ],
    [
      'a master entry that does not exist',
      policyWith([
        {
          id: 'app-db',
          kind: 'postgres-alternating-users',
          secret: { name: 'db/app' },
          owner,
          options: { master: { entry: 'nope' } },
        },
      ]),
      /options\.master\.entry: "nope" is not an entry id/,
    ],
    [
      'an entry that is its own master',
      policyWith([
        {
          id: 'app-db',
          kind: 'postgres-alternating-users',
          secret: { name: 'db/app' },
          owner,
          options: { master: { entry: 'app-db' } },
        },
      ]),
      /cannot be its own master/,
    ],
    [
      'a created database secret without a connection',
      policyWith([{ ...master, secret: { name: 'db/master', create: true } }]),
      /entry "db-master" \(entries\[0\]\) options\.connection: a secret keyturn creates needs its connection/,
    ],
    [
      'an unknown network',
      policyWith([{ ...master, options: { network: 'elsewhere' } }]),
      /options\.network: "elsewhere" is not in networks/,
    ],
    [
      'both a name and an arn',
      policyWith([
        { ...apiKey, secret: { name: 'a', arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:a-AbCdEf' } },
      ]),
      /secret: give exactly one of name or arn/,
    ],
    [
      'create with an arn',
      policyWith([
        { ...apiKey, secret: { arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:a-AbCdEf', create: true } },
      ]),
      /secret\.create: a secret keyturn creates needs a name/,
    ],
    [
      'a KMS key on a secret keyturn creates',
      policyWith([
        {
          ...apiKey,
          secret: {
            name: 'svc/api-key',
            create: true,
            kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          },
        },
      ]),
      /secret\.kmsKeyArn: a secret keyturn creates is encrypted with keyturn's own key/,
    ],
    [
      'a KMS key that is not a key ARN',
      policyWith([{ ...apiKey, secret: { name: 'svc/api-key', kmsKeyArn: 'alias/mine' } }]),
      /secret\.kmsKeyArn: must be a KMS key ARN/,
    ],
    [
      'a reserved tag key',
      policyWith([{ ...apiKey, tags: { 'keyturn:strategy': 'random' } }]),
      /tags\.keyturn:strategy: the aws: and keyturn: prefixes are reserved/,
    ],
    [
      'a tag value Secrets Manager cannot hold',
      policyWith([{ ...apiKey, tags: { team: 'a"b' } }]),
      /tags\.team: may hold only letters, digits, spaces/,
    ],
    [
      'an unknown field (a typo)',
      policyWith([{ ...apiKey, schedul: { expression: 'rate(1 day)' } } as unknown as PolicyEntryInput]),
      /entry "api-key" \(entries\[0\]\).*schedul/,
    ],
    [
      'an owner role that is not a role ARN',
      policyWith([{ ...apiKey, owner: { team: 'x', roleArn: 'arn:aws:iam::123:user/bob' } }]),
      /owner\.roleArn: must be an IAM role ARN/,
    ],
    [
      'a retention CloudWatch does not offer',
      policyWith([apiKey], { audit: { retentionDays: 100 } }),
      /^audit\.retentionDays: must be one of CloudWatch's retention periods/,
    ],
    [
      'a malformed minimum interval',
      policyWith([{ ...apiKey, minInterval: 'an hour' }]),
      /^entry "api-key" \(entries\[0\]\) minInterval: must be a duration such as 30m, 24h or 7d/,
    ],
    [
      'a minimum interval as long as the rotation interval',
      policyWith([{ ...apiKey, schedule: { expression: 'rate(1 day)' }, minInterval: '1d' }]),
      /^entry "api-key" \(entries\[0\]\) minInterval: minInterval 1d is not shorter than the rotation interval \(rate\(1 day\)\): every scheduled rotation would be refused$/,
    ],
    [
      "a kind's default minimum interval longer than an entry's schedule",
      policyWith([{ ...apiKey, schedule: { expression: 'rate(12 hours)' } }], {
        defaults: { random: { minInterval: '1d' } },
      }),
      /^entry "api-key" \(entries\[0\]\) schedule: defaults\.random\.minInterval 1d is not shorter than the rotation interval \(rate\(12 hours\)\)/,
    ],
    [
      "a kind's default minimum interval longer than keyturn's default schedule",
      policyWith([apiKey], { defaults: { random: { minInterval: '90d' } } }),
      /^entry "api-key" \(entries\[0\]\) schedule: defaults\.random\.minInterval 90d is not shorter than the rotation interval \(rate\(90 days\)\)/,
    ],
    [
      'a blackout without a timezone',
      policyWith([apiKey], { blackouts: [{ start: '2026-12-24T00:00:00', end: '2026-12-27T00:00:00Z' }] }),
      /^blackouts\.0\.start: must be an ISO 8601 date and time with a timezone, such as 2026-12-24T00:00:00Z/,
    ],
    [
      'a blackout given as a date only',
      policyWith([apiKey], { blackouts: [{ start: '2026-12-24T00:00:00Z', end: '2026-12-27' }] }),
      /^blackouts\.0\.end: must be an ISO 8601 date and time with a timezone/,
    ],
    [
      'a blackout that ends before it starts',
      policyWith([apiKey], { blackouts: [{ start: '2026-12-27T00:00:00Z', end: '2026-12-24T00:00:00+01:00' }] }),
      /^blackouts\.0\.end: must be after start \(2026-12-27T00:00:00Z\), got 2026-12-24T00:00:00\+01:00$/,
    ],
    [
      'a blackout with an unknown field',
      policyWith([apiKey], {
        blackouts: [{ start: '2026-12-24T00:00:00Z', end: '2026-12-27T00:00:00Z', why: 'x' } as never],
      }),
      /^blackouts\.0: .*why/,
    ],
    [
      'more blackouts than the functions can carry',
      policyWith([apiKey], {
        blackouts: Array.from({ length: 40 }, () => ({
          start: '2026-12-24T00:00:00Z',
          end: '2026-12-27T00:00:00Z',
          reason: 'a change freeze with a long explanation',
        })),
      }),
      /^blackouts: together must fit 2048 characters of JSON/,
    ],
    [
      'a master of another kind of server',
      policyWith([
        master,
        {
          id: 'shop-db',
          kind: 'mysql-alternating-users',
          secret: { name: 'shop/db' },
          owner,
          options: { master: { entry: 'db-master' } },
        },
      ]),
      /entries\[1\]\) options\.master\.entry: "db-master" is a postgres-single-user entry: the master of a mysql-alternating-users entry must be a user of the same kind of server/,
    ],
    [
      'an ElastiCache user id with a double hyphen',
      policyWith([
        { id: 'cache', kind: 'elasticache-user', secret: { name: 'cache/app' }, owner, options: { userId: 'app--1' } },
      ]),
      /options\.userId: must be an ElastiCache user id/,
    ],
    [
      'a Redis user without a master',
      policyWith([{ id: 'cache', kind: 'redis-user', secret: { name: 'cache/app' }, owner } as PolicyEntryInput]),
      /^entry "cache" \(entries\[0\]\) options: /,
    ],
    [
      'a secret Amazon RDS manages, as an entry',
      policyWith([
        {
          ...master,
          secret: { arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-0a1b2c3d-4e5f-AbCdEf' },
        },
      ]),
      /secret\.arn: is a secret Amazon RDS manages \(rds!…\): RDS rotates it itself; keyturn can only use it as a master/,
    ],
    [
      'a created database secret with neither host nor RDS identifier',
      policyWith([
        { ...master, secret: { name: 'db/new', create: true }, options: { connection: { username: 'app' } } },
      ]),
      /options\.connection\.host: is required unless options\.rds names the RDS instance or Aurora cluster/,
    ],
    [
      'an RDS identifier with a double hyphen',
      policyWith([{ ...master, options: { rds: { instance: 'orders--prod' } } }]),
      /options\.rds.*must be an RDS DB instance identifier/,
    ],
    [
      'a MySQL user name longer than MariaDB allows',
      policyWith([
        {
          id: 'shop-db',
          kind: 'mysql-single-user',
          secret: { name: 'shop/db', create: true },
          owner,
          options: { connection: { host: 'db', username: 'u'.repeat(81) } },
        },
      ]),
      /options\.connection\.username: must be at most 80 characters/,
    ],
    ['no entries', policyWith([]), /^entries: a policy needs at least one entry/],
    ['the wrong version', { ...policyWith([apiKey]), version: 2 }, /^version: /],
  ])('%s', (_label, input, message) => {
    const found = problems(input);
    expect(found.some((p) => message.test(p))).toBe(true);
  });

  it('reports every problem at once, not just the first', () => {
    const found = problems(policyWith([{ ...apiKey, grace: 'soon', alertRoute: 'nobody' }]));
    expect(found).toHaveLength(2);
  });

  it('says which file, with each problem on its own line', () => {
    expect(() => parsePolicy(policyWith([{ ...apiKey, grace: 'soon' }]), 'policies/prod.ts')).toThrow(
      /^invalid keyturn policy policies\/prod\.ts:\n {2}- entry "api-key"/,
    );
  });

  it('names a file that cannot be loaded, or exports nothing', () => {
    expect(() => loadPolicy('does/not/exist.policy.ts')).toThrow(/cannot load the file/);
    expect(() => loadPolicy('infra/policy/duration.ts')).toThrow(/exports no policy/);
  });
});

describe('lifecycle tags', () => {
  it('carry grace, minimum interval, drain wait, what to do when still in use, and session termination', () => {
    const [database] = parsePolicy(
      policyWith([
        {
          ...master,
          grace: '30m',
          minInterval: '2h',
          revocation: { maxWait: '45m', whenStillInUse: 'revoke', terminateSessions: true },
        },
      ]),
    ).entries;
    if (!database) throw new Error('the test policy has one entry');
    expect(lifecycleTags(database)).toEqual({
      [LifecycleTag.graceSeconds]: '1800',
      [LifecycleTag.minIntervalSeconds]: '7200',
      [LifecycleTag.drainMaxWaitSeconds]: '2700',
      [LifecycleTag.whenStillInUse]: 'revoke',
      [LifecycleTag.terminateSessions]: 'true',
    });
  });

  it('say to check the old credential once (drain wait 0) when the entry does not wait for idle', () => {
    const [key] = parsePolicy(policyWith([{ ...apiKey, revocation: { waitForIdle: false, maxWait: '1h' } }])).entries;
    if (!key) throw new Error('the test policy has one entry');
    expect(lifecycleTags(key)[LifecycleTag.drainMaxWaitSeconds]).toBe('0');
  });

  it("round-trip through the lifecycle's own reader, and with the strategy tags stay valid tag values", () => {
    for (const entry of loadPolicy(EXAMPLE).entries) {
      const tags = keyturnTags(entry);
      const { consumers, ...settings } = readLifecycleSettings(tags);
      expect(settings).toEqual({
        graceSeconds: effectiveGraceSeconds(entry),
        minIntervalSeconds: entry.minIntervalSeconds,
        revocation: {
          maxWaitSeconds: entry.revocation.waitForIdle ? entry.revocation.maxWaitSeconds : 0,
          whenStillInUse: entry.revocation.whenStillInUse,
          terminateSessions: entry.revocation.terminateSessions,
        },
        // Not in the policy yet: the tag's default (docs/replicas.md).
        replicaSync: DEFAULT_LIFECYCLE_SETTINGS.replicaSync,
      });
      // Every consumer of the example travels, those that refresh something first.
      expect(consumers?.consumers.map((c) => c.name).sort()).toEqual(
        entry.consumers.length === 0 ? undefined : entry.consumers.map((c) => c.name).sort(),
      );
      for (const value of Object.values(tags)) expect(value).toMatch(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u);
    }
  });
});

describe('strategy tags', () => {
  const policy = parsePolicy(
    policyWith([
      {
        ...apiKey,
        options: {
          length: 48,
          excludeCharacters: '"\'\\`',
          excludeUppercase: true,
          prefix: 'sk_live_',
          fields: ['key', 'secret'],
        },
      },
      { ...master, options: { password: { length: 40, excludeCharacters: 'abc' } } },
    ]),
  );

  const [randomEntry, databaseEntry] = policy.entries;
  if (!randomEntry || !databaseEntry) throw new Error('the test policy has two entries');

  it('say which strategy and entry, and carry only the options the entry sets', () => {
    expect(strategyTags(databaseEntry)).toEqual({
      'keyturn:managed': 'true',
      'keyturn:entry': 'db-master',
      'keyturn:owner': 'platform',
      'keyturn:strategy': 'postgres-single-user',
      'keyturn:max-age-seconds': String(30 * 86_400 + 2 * 3_600 + 3_600), // rate(30 days), 2h window, 1h slack
      'keyturn:length': '40',
      'keyturn:exclude-characters': 'abc',
    });
  });

  it("round-trip through the rotation function's own reader, quotes and backslashes included", () => {
    const tags = strategyTags(randomEntry);
    expect(tags['keyturn:fields']).toBe('key secret');
    expect(tags['keyturn:prefix']).toBe('sk_live_');
    expect(passwordPolicyFromTags(tags)).toMatchObject({
      length: 48,
      excludeCharacters: '"\'\\`',
      excludeUppercase: true,
    });
  });

  it('are all valid Secrets Manager tag values', () => {
    for (const entry of loadPolicy(EXAMPLE).entries) {
      for (const value of Object.values(strategyTags(entry))) {
        expect(value).toMatch(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u);
      }
    }
  });
});

describe('probes', () => {
  const pgEntry = (probe: unknown): PolicyEntryInput =>
    ({
      id: 'orders-db',
      kind: 'postgres-single-user',
      secret: { name: 'db/orders' },
      owner,
      options: { probe },
    }) as PolicyEntryInput;
  const redisEntry = (probe: unknown): PolicyEntryInput =>
    ({
      id: 'cache',
      kind: 'elasticache-user',
      secret: { name: 'cache/app' },
      owner,
      options: { userId: 'app-user', probe },
    }) as PolicyEntryInput;

  it('travel to the rotation function as one tag it reads back, checked again', () => {
    const policy = parsePolicy(policyWith([pgEntry({ sql: 'SELECT count(*) FROM app.orders WHERE id > 0;' })]), 't');
    const tags = strategyTags(policy.entries[0] as never);
    const probe = probeFromTags(tags, { engine: 'sql', dialect: 'postgres' });
    expect(probe).toEqual({ sql: 'SELECT count(*) FROM app.orders WHERE id > 0;' });
    expect(tags[PROBE_TAG]).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(tags[PROBE_TAG]?.length).toBeLessThanOrEqual(256);
  });

  it.each([
    ['DELETE FROM app.orders', 'must be a query'],
    ['SELECT 1; DROP TABLE app.orders', 'more than one statement'],
    ['SELECT * INTO copy FROM app.orders', 'uses INTO'],
    ['SELECT id FROM app.orders FOR UPDATE', 'uses UPDATE'],
    ["SELECT nextval('app.seq')", 'calls nextval()'],
    ['WITH gone AS (DELETE FROM app.orders RETURNING *) SELECT * FROM gone', 'uses DELETE'],
    ['SELECT 1 /* unterminated', 'cannot be read'],
    [`SELECT '${'x'.repeat(200)}'`, 'at most 180'],
  ])('refuse %s at synth, naming why', (sql, why) => {
    const found = problems(policyWith([pgEntry({ sql })]));
    expect(found).toEqual([expect.stringContaining('entry "orders-db" (entries[0]) options.probe: ')]);
    expect(found[0]).toContain(why);
  });

  it('refuse a command that writes, and the wrong language for the kind', () => {
    expect(problems(policyWith([redisEntry({ redis: ['SET', 'k', 'v'] })]))[0]).toContain('a probe may run only');
    expect(problems(policyWith([redisEntry({ sql: 'SELECT 1' })]))[0]).toContain('takes a Redis command');
    expect(problems(policyWith([pgEntry({ redis: ['GET', 'k'] })]))[0]).toContain('takes SQL');
  });

  it('accept a Redis read of one key', () => {
    const policy = parsePolicy(policyWith([redisEntry({ redis: ['GET', 'health:probe'] })]), 't');
    expect(probeFromTags(strategyTags(policy.entries[0] as never), { engine: 'redis' })).toEqual({
      redis: ['GET', 'health:probe'],
    });
  });
});

describe("the account's CloudTrail log group (the alarm on uses of keys pending deletion)", () => {
  it('is optional, and kept as written when given', () => {
    expect(parsePolicy(policyWith([apiKey]), 'test.policy.ts').alerts.cloudTrailLogGroup).toBeUndefined();
    const alerts = {
      routes: { platform: {} },
      defaultRoute: 'platform',
      cloudTrailLogGroup: 'aws-cloudtrail-logs-org/main',
    };
    expect(parsePolicy(policyWith([apiKey], { alerts }), 'test.policy.ts').alerts.cloudTrailLogGroup).toBe(
      'aws-cloudtrail-logs-org/main',
    );
  });

  it('must be a log group name, not an ARN', () => {
    const alerts = {
      routes: { platform: {} },
      defaultRoute: 'platform',
      cloudTrailLogGroup: 'arn:aws:logs:eu-west-1:111122223333:log-group:trail',
    };
    expect(problems(policyWith([apiKey], { alerts }))).toEqual([
      expect.stringMatching(/^alerts\.cloudTrailLogGroup: must be a CloudWatch Logs log group name/),
    ]);
  });
});

describe("keyturn's share of the region's Secrets Manager write quota", () => {
  it('defaults to half of 50 writes per second', () => {
    expect(parsePolicy(policyWith([apiKey]), 'test.policy.ts').writePace).toEqual({
      quotaPerSecond: 50,
      fraction: 0.5,
      writesPerSecond: 25,
    });
  });

  it('takes a raised quota and another share', () => {
    const policy = parsePolicy(
      policyWith([apiKey], { writeQuota: { requestsPerSecond: 200, fraction: 0.25 } }),
      'test.policy.ts',
    );
    expect(policy.writePace).toEqual({ quotaPerSecond: 200, fraction: 0.25, writesPerSecond: 50 });
  });

  it.each([
    [{ fraction: 0 }, 'writeQuota.fraction: must be more than 0'],
    [{ fraction: 1 }, 'writeQuota.fraction: must be at most 0.9'],
    [{ requestsPerSecond: -5 }, 'writeQuota.requestsPerSecond'],
  ])('refuses %j, naming the field', (writeQuota, message) => {
    expect(problems(policyWith([apiKey], { writeQuota }))).toEqual([expect.stringContaining(message)]);
  });
});
