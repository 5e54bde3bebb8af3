import { parseRewrapRequest } from '../../../functions/kms-rewrap/input';
import type { KeyEntryInput } from '../../../infra/policy/key-schema';
import { parsePolicy } from '../../../infra/policy/load-policy';
import { rewrapRequestOf, type RewrapJobInput } from '../../../infra/policy/rewrap-jobs';
import type { PolicyEntryInput, PolicyInput } from '../../../infra/policy/schema';
import { policyProblems } from '../support/policy';

const owner = { team: 'platform' };
const apiKey: PolicyEntryInput = { id: 'api-key', kind: 'random', secret: { name: 'svc/api-key' }, owner };
const OLD_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const job: RewrapJobInput = {
  table: 'orders-data-keys',
  key: { partition: 'orderId' },
  ciphertextAttribute: 'wrapped',
};

/** A symmetric key keyturn creates, rotated by KMS every 180 days, with `rewrap` jobs. */
function dataKeyWith(rewrap: RewrapJobInput[]): KeyEntryInput {
  return {
    kind: 'kms-key',
    id: 'orders-data-key',
    owner,
    key: { create: { alias: 'alias/orders-data' } },
    automaticRotation: { periodDays: 180 },
    rewrap,
  };
}

function policyWith(keys: KeyEntryInput[]): PolicyInput {
  return {
    version: 1,
    alerts: { routes: { platform: {} }, defaultRoute: 'platform' },
    entries: [apiKey],
    keys,
  };
}

function problems(keys: KeyEntryInput[]): string[] {
  return policyProblems(() => parsePolicy(policyWith(keys), 'test.policy.ts'));
}

const at = (field: string, message: string | RegExp): unknown =>
  expect.stringMatching(
    new RegExp(
      `^key "orders-data-key" \\(keys\\[0\\]\\) rewrap\\.0${field === '' ? '' : `\\.${field.replace('.', '\\.')}`}: ` +
        (typeof message === 'string' ? message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : message.source),
    ),
  );

describe('kms-key rewrap jobs: what a valid one resolves to', () => {
  test('defaults: a tenth of a 10,000/s quota, one segment, no extra source keys', () => {
    // GIVEN / WHEN
    const [key] = parsePolicy(policyWith([dataKeyWith([job])])).keys;

    // THEN
    expect(key?.rewrap).toEqual([
      {
        tableName: 'orders-data-keys',
        key: { partition: 'orderId' },
        ciphertextAttribute: 'wrapped',
        allowedSourceKeyArns: [],
        quotaPerSecond: 10_000,
        fraction: 0.1,
        segments: 1,
      },
    ]);
  });

  test('everything written is kept, and each segment becomes a request the job itself accepts', () => {
    // GIVEN
    const full: RewrapJobInput = {
      table: 'tenant.keys_v2',
      key: { partition: 'tenant', sort: 'keyId' },
      ciphertextAttribute: 'dek',
      encryptionContext: { tenant: 'tenant', purpose: 'kind' },
      allowedSourceKeys: [OLD_KEY_ARN],
      quotaPerSecond: 50_000,
      fraction: 0.05,
      segments: 4,
    };

    // WHEN
    const [resolved] = parsePolicy(policyWith([dataKeyWith([full])])).keys[0]?.rewrap ?? [];
    if (!resolved) throw new Error('no job');
    const requests = [0, 1, 2, 3].map((segment) =>
      parseRewrapRequest(rewrapRequestOf(resolved, 'alias/orders-data', ['key-id-of-the-entry'], segment)),
    );

    // THEN
    expect(requests.map((r) => [r.segment, r.totalSegments])).toEqual([
      [0, 4],
      [1, 4],
      [2, 4],
      [3, 4],
    ]);
    expect(requests[0]).toMatchObject({
      tableName: 'tenant.keys_v2',
      key: { partition: 'tenant', sort: 'keyId' },
      ciphertextAttribute: 'dek',
      targetKeyId: 'alias/orders-data',
      allowedSourceKeyIds: ['key-id-of-the-entry', OLD_KEY_ARN],
      encryptionContext: { tenant: 'tenant', purpose: 'kind' },
      quotaPerSecond: 50_000,
      fraction: 0.05,
    });
  });
});

describe('kms-key rewrap jobs: an operator schedule', () => {
  test('kept with a window of an hour by default', () => {
    // WHEN
    const [resolved] =
      parsePolicy(policyWith([dataKeyWith([{ ...job, schedule: { expression: 'rate(7 days)' } }])])).keys[0]?.rewrap ??
      [];

    // THEN
    expect(resolved?.schedule).toEqual({ expression: 'rate(7 days)', window: '1h' });
  });

  test('a schedule expression Scheduler refuses is named', () => {
    // WHEN
    const found = problems([dataKeyWith([{ ...job, schedule: { expression: 'every sunday' } }])]);

    // THEN
    expect(found).toEqual([
      expect.stringMatching(/^key "orders-data-key" \(keys\[0\]\) rewrap\.0\.schedule\.expression: /),
    ]);
  });
});

describe('kms-key rewrap jobs: each mistake named by its field, the job checked by its own schema', () => {
  test.each<[string, Partial<RewrapJobInput>, string, string | RegExp]>([
    [
      'a table name DynamoDB refuses',
      { table: 'orders keys!' },
      'table',
      /must be a DynamoDB table name.*got "orders keys!"/,
    ],
    ['a table name too short', { table: 'ab' }, 'table', /must be a DynamoDB table name/],
    [
      'a fraction of more than half the quota',
      { fraction: 0.9 },
      'fraction',
      'must be more than 0 and at most 0.5, got 0.9',
    ],
    ['a fraction of 0', { fraction: 0 }, 'fraction', 'must be more than 0 and at most 0.5, got 0'],
    ['a quota of 0', { quotaPerSecond: 0 }, 'quotaPerSecond', /must be more than 0 requests\/s.*got 0/],
    ['no segments', { segments: 0 }, 'segments', 'must be at least 1, got 0'],
    ['too many segments', { segments: 65 }, 'segments', 'must be at most 64'],
    ['an empty ciphertext attribute', { ciphertextAttribute: '' }, 'ciphertextAttribute', 'must be at least 1'],
    [
      'the ciphertext in the key',
      { ciphertextAttribute: 'orderId' },
      '',
      'ciphertextAttribute must not be a key attribute',
    ],
    ['a source key by alias', { allowedSourceKeys: ['alias/old'] }, 'allowedSourceKeys.0', /must be a KMS key ARN/],
  ])('%s', (_what, change, field, message) => {
    // WHEN
    const found = problems([dataKeyWith([{ ...job, ...change }])]);

    // THEN
    expect(found).toEqual([at(field, message)]);
  });

  test('an unknown field is refused, not ignored', () => {
    // WHEN
    const found = problems([dataKeyWith([{ ...job, tableName: 'x' } as RewrapJobInput])]);

    // THEN
    expect(found.join('\n')).toMatch(/rewrap\.0: Unrecognized key: "tableName"/);
  });

  test('two jobs on the same table and attribute', () => {
    // WHEN
    const found = problems([dataKeyWith([job, { ...job, fraction: 0.05 }])]);

    // THEN
    expect(found).toEqual([
      'key "orders-data-key" (keys[0]) rewrap.1.table: rewrap[0] already re-wraps wrapped of table "orders-data-keys": one job per attribute',
    ]);
  });

  test('jobs whose fractions add up to more than half the quota', () => {
    // WHEN
    const found = problems([
      dataKeyWith([
        { ...job, fraction: 0.3 },
        { ...job, table: 'invoices-data-keys', fraction: 0.3 },
      ]),
    ]);

    // THEN
    expect(found).toEqual([expect.stringMatching(/rewrap: the jobs' fractions add up to 0\.6 .* more than 0\.5/)]);
  });

  test('a key ReEncrypt cannot wrap under (HMAC)', () => {
    // WHEN
    const found = problems([
      {
        kind: 'kms-key',
        id: 'webhook-mac-key',
        owner,
        key: { create: { alias: 'alias/webhook-mac', keySpec: 'HMAC_256' } },
        schedule: { expression: 'rate(90 days)' },
        rewrap: [job],
      },
    ]);

    // THEN
    expect(found).toEqual([
      'key "webhook-mac-key" (keys[0]) rewrap: ReEncrypt wraps data keys under symmetric encryption keys (SYMMETRIC_DEFAULT) only, not a HMAC_256 key: remove rewrap',
    ]);
  });
});
