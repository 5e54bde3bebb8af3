import * as kms from 'aws-cdk-lib/aws-kms';
import { parseKeyRunInput } from '../../../functions/kms-key/run-input';
import type { KeyEntryInput } from '../../../infra/policy/key-schema';
import { KMS_KEY_SPECS } from '../../../infra/policy/key-specs';
import { parsePolicy } from '../../../infra/policy/load-policy';
import type { PolicyEntryInput, PolicyInput } from '../../../infra/policy/schema';
import { policyProblems } from '../support/policy';

const owner = { team: 'platform' };
const apiKey: PolicyEntryInput = { id: 'api-key', kind: 'random', secret: { name: 'svc/api-key' }, owner };
const ADOPTED_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A symmetric key keyturn creates, rotated by KMS every 180 days. */
const dataKey: KeyEntryInput = {
  kind: 'kms-key',
  id: 'orders-data-key',
  owner,
  key: { create: { alias: 'alias/orders-data' } },
  automaticRotation: { periodDays: 180 },
};
/** An HMAC key keyturn creates and replaces on its schedule. */
const macKey: KeyEntryInput = {
  kind: 'kms-key',
  id: 'webhook-mac-key',
  owner,
  key: { create: { alias: 'alias/webhook-mac', keySpec: 'HMAC_256' } },
  schedule: { expression: 'rate(90 days)' },
};

function policyWith(keys: KeyEntryInput[] | undefined, extra: Partial<PolicyInput> = {}): PolicyInput {
  return {
    version: 1,
    alerts: { routes: { platform: {}, security: {} }, defaultRoute: 'platform' },
    entries: [apiKey],
    ...(keys === undefined ? {} : { keys }),
    ...extra,
  };
}

function problems(keys: KeyEntryInput[], extra: Partial<PolicyInput> = {}): string[] {
  return policyProblems(() => parsePolicy(policyWith(keys, extra), 'test.policy.ts'));
}

/** `base` with `change` applied: a key entry with one thing different. */
function keyWith(base: KeyEntryInput, change: Record<string, unknown>): KeyEntryInput {
  return { ...base, ...change };
}

describe('kms-key entries: what a valid one resolves to', () => {
  test('a policy without keys has none, and its entries are as before', () => {
    // GIVEN / WHEN
    const policy = parsePolicy(policyWith(undefined));

    // THEN
    expect(policy.keys).toEqual([]);
    expect(policy.entries.map((e) => e.id)).toEqual(['api-key']);
  });

  test("a created symmetric key: its spec and usage, KMS's rotation period, the run's default settings and route", () => {
    // GIVEN / WHEN
    const [key] = parsePolicy(policyWith([dataKey])).keys;

    // THEN
    expect(key).toMatchObject({
      id: 'orders-data-key',
      kind: 'kms-key',
      create: { alias: 'alias/orders-data', keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT' },
      aliasName: 'alias/orders-data',
      automaticRotation: { periodDays: 180 },
      alertRoute: 'platform',
      tags: {},
    });
    expect(key?.schedule).toBeUndefined();
    // the run input's own defaults (functions/kms-key/run-input.ts), KMS's on-demand limit of 10 among them
    expect(key?.settings).toEqual(parseKeyRunInput({ entryId: 'x', keyId: 'k' }).settings);
    expect(key?.settings.onDemandRotationLimit).toBe(10);
  });

  test('automatic rotation without a period gets KMS default of 365 days', () => {
    // GIVEN / WHEN
    const [key] = parsePolicy(policyWith([keyWith(dataKey, { automaticRotation: {} })])).keys;

    // THEN
    expect(key?.automaticRotation).toEqual({ periodDays: 365 });
  });

  test('settings written as durations become the seconds and days a run takes, and a run accepts them', () => {
    // GIVEN
    const entry = keyWith(macKey, {
      settings: {
        grace: '2d',
        drainCheckEvery: '10m',
        drainChecks: 6,
        whenStillInUse: 'proceed',
        keepForVerification: '30d',
        canaryWatch: '6h',
        deletionWindowDays: 7,
        onDemandRotationLimit: 25,
      },
    });

    // WHEN
    const [key] = parsePolicy(policyWith([entry])).keys;

    // THEN
    const settings = {
      graceSeconds: 172_800,
      drainCheckSeconds: 600,
      drainChecks: 6,
      whenStillInUse: 'proceed',
      keepForVerificationSeconds: 2_592_000,
      canaryWatchSeconds: 21_600,
      deletionWindowDays: 7,
      onDemandRotationLimit: 25,
    };
    expect(key?.settings).toEqual(settings);
    expect(parseKeyRunInput({ entryId: key?.id, keyId: 'k', settings }).settings).toEqual(settings);
    // AND the schedule's window defaults to an hour
    expect(key?.schedule).toEqual({ expression: 'rate(90 days)', window: '1h' });
  });

  test('a key usage follows from a spec with one rotatable usage', () => {
    // GIVEN HMAC, ECC and ML-DSA keys without keyUsage
    const keys = [
      macKey,
      keyWith(macKey, { id: 'signer', key: { create: { alias: 'alias/signer', keySpec: 'ECC_NIST_P256' } } }),
      keyWith(macKey, { id: 'pq-signer', key: { create: { alias: 'alias/pq', keySpec: 'ML_DSA_65' } } }),
    ];

    // WHEN
    const resolved = parsePolicy(policyWith(keys)).keys;

    // THEN
    expect(resolved.map((k) => k.create?.keyUsage)).toEqual(['GENERATE_VERIFY_MAC', 'SIGN_VERIFY', 'SIGN_VERIFY']);
  });

  test('an adopted key: its id from the ARN, its alias, its route', () => {
    // GIVEN
    const entry: KeyEntryInput = {
      kind: 'kms-key',
      id: 'legacy-key',
      owner,
      key: { adopt: { arn: ADOPTED_ARN, alias: 'alias/legacy' } },
      schedule: { expression: 'cron(0 4 ? * SUN *)', window: '3h' },
      alertRoute: 'security',
    };

    // WHEN
    const [key] = parsePolicy(policyWith([entry])).keys;

    // THEN
    expect(key).toMatchObject({
      adopt: { arn: ADOPTED_ARN, keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', alias: 'alias/legacy' },
      aliasName: 'alias/legacy',
      schedule: { expression: 'cron(0 4 ? * SUN *)', window: '3h' },
      alertRoute: 'security',
      tags: {},
    });
    expect(key?.create).toBeUndefined();
  });

  test("the specs a policy may create are exactly aws-cdk-lib's kms.KeySpec", () => {
    expect([...KMS_KEY_SPECS].sort()).toEqual(Object.values(kms.KeySpec).sort());
  });
});

describe('kms-key entries: what the schema refuses, each problem named with the bad value', () => {
  test.each([
    [89, 'must be at least 90 days'],
    [2561, 'must be at most 2560 days'],
  ])('an automatic rotation period of %i days', (periodDays, message) => {
    expect(problems([keyWith(dataKey, { automaticRotation: { periodDays } })])).toEqual([
      `key "orders-data-key" (keys[0]) automaticRotation.periodDays: ${message} (KMS's ${periodDays < 90 ? 'minimum' : 'maximum'}), got ${periodDays}`,
    ]);
  });

  test('automatic rotation of a created HMAC key, naming the spec', () => {
    expect(problems([keyWith(macKey, { automaticRotation: { periodDays: 365 } })])).toEqual([
      'key "webhook-mac-key" (keys[0]) automaticRotation: KMS rotates only symmetric encryption keys (SYMMETRIC_DEFAULT) ' +
        'automatically, not a HMAC_256 key: remove automaticRotation; keyturn replaces the key on its schedule instead',
    ]);
  });

  test('automatic rotation of an adopted key, which keyturn cannot configure', () => {
    const entry: KeyEntryInput = {
      kind: 'kms-key',
      id: 'legacy-key',
      owner,
      key: { adopt: { arn: ADOPTED_ARN } },
      automaticRotation: { periodDays: 365 },
      schedule: { expression: 'rate(90 days)' },
    };
    expect(problems([entry])).toEqual([
      'key "legacy-key" (keys[0]) automaticRotation: keyturn cannot configure a key it does not create: turn automatic ' +
        'rotation on at the key (EnableKeyRotation), or give a schedule',
    ]);
  });

  test('a created key without an alias (a replaced key moves its alias), or with a malformed or AWS-reserved one', () => {
    expect(problems([keyWith(macKey, { key: { create: { keySpec: 'HMAC_256' } } })])).toEqual([
      'key "webhook-mac-key" (keys[0]) key.create.alias: must be an alias name such as alias/payments-signing',
    ]);
    expect(problems([keyWith(macKey, { key: { create: { alias: 'webhook-mac', keySpec: 'HMAC_256' } } })])).toEqual([
      'key "webhook-mac-key" (keys[0]) key.create.alias: must be an alias name such as alias/payments-signing, got "webhook-mac"',
    ]);
    expect(problems([keyWith(macKey, { key: { adopt: { arn: ADOPTED_ARN, alias: 'alias/aws/s3' } } })])).toEqual([
      `key "webhook-mac-key" (keys[0]) key.adopt.alias: alias/aws/ names are AWS managed keys' aliases, got "alias/aws/s3"`,
    ]);
  });

  test('a key that is neither created nor adopted, or both', () => {
    expect(problems([keyWith(macKey, { key: {} })])).toEqual([
      'key "webhook-mac-key" (keys[0]) key: give exactly one of create or adopt, got []',
    ]);
    expect(problems([keyWith(macKey, { key: { create: { alias: 'alias/a' }, adopt: { arn: ADOPTED_ARN } } })])).toEqual(
      ['key "webhook-mac-key" (keys[0]) key: give exactly one of create or adopt, got ["create","adopt"]'],
    );
  });

  test('a spec with two usages and none named, a usage the spec does not have, key agreement', () => {
    const rsa = (keyUsage?: string) =>
      keyWith(macKey, {
        key: { create: { alias: 'alias/rsa', keySpec: 'RSA_2048', ...(keyUsage ? { keyUsage } : {}) } },
      });
    expect(problems([rsa()])).toEqual([
      'key "webhook-mac-key" (keys[0]) key.create.keyUsage: a RSA_2048 key can be ENCRYPT_DECRYPT or SIGN_VERIFY: say which',
    ]);
    expect(problems([rsa('GENERATE_VERIFY_MAC')])).toEqual([
      'key "webhook-mac-key" (keys[0]) key.create.keyUsage: a RSA_2048 key can be ENCRYPT_DECRYPT or SIGN_VERIFY, got GENERATE_VERIFY_MAC',
    ]);
    expect(problems([rsa('KEY_AGREEMENT')])).toEqual([
      expect.stringMatching(
        /key\.create\.keyUsage: must be ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC .*got "KEY_AGREEMENT"$/,
      ),
    ]);
    expect(problems([keyWith(macKey, { key: { create: { alias: 'alias/x', keySpec: 'AES_256' } } })])).toEqual([
      expect.stringMatching(/key\.create\.keySpec: must be a KMS key spec \(SYMMETRIC_DEFAULT, .*\), got "AES_256"$/),
    ]);
  });

  test('tags on an adopted key, which keyturn does not tag', () => {
    const entry: KeyEntryInput = {
      kind: 'kms-key',
      id: 'legacy-key',
      owner,
      key: { adopt: { arn: ADOPTED_ARN } },
      schedule: { expression: 'rate(90 days)' },
      tags: { team: 'core' },
    };
    expect(problems([entry])).toEqual([
      'key "legacy-key" (keys[0]) tags: keyturn tags only the keys it creates: tag an adopted key at the key (got team)',
    ]);
  });

  test('a key that nothing would rotate: an adopted key, or a created one without automatic rotation, with no schedule', () => {
    expect(problems([{ kind: 'kms-key', id: 'legacy-key', owner, key: { adopt: { arn: ADOPTED_ARN } } }])).toEqual([
      'key "legacy-key" (keys[0]) schedule: an adopted key needs a schedule: nothing else rotates it',
    ]);
    expect(problems([keyWith(macKey, { schedule: undefined })])).toEqual([
      'key "webhook-mac-key" (keys[0]) schedule: a key with no automaticRotation needs a schedule: nothing else rotates it',
    ]);
  });

  test('ids duplicated across entries and keys, and among keys; the same key or alias twice', () => {
    const adopted = (id: string, alias: string): KeyEntryInput => ({
      kind: 'kms-key',
      id,
      owner,
      key: { adopt: { arn: ADOPTED_ARN, alias } },
      schedule: { expression: 'rate(90 days)' },
    });
    expect(problems([keyWith(dataKey, { id: 'api-key' })])).toEqual([
      'key "api-key" (keys[0]) id: "api-key" is already the id of entries[0]',
    ]);
    expect(problems([dataKey, keyWith(macKey, { id: 'orders-data-key' })])).toEqual([
      'key "orders-data-key" (keys[1]) id: "orders-data-key" is already the id of keys[0]',
    ]);
    expect(problems([adopted('one', 'alias/one'), adopted('two', 'alias/two')])).toEqual([
      'key "two" (keys[1]) key.adopt.arn: names the same key as the one of keys[0]',
    ]);
    expect(
      problems([dataKey, keyWith(macKey, { key: { create: { alias: 'alias/orders-data', keySpec: 'HMAC_256' } } })]),
    ).toEqual(['key "webhook-mac-key" (keys[1]) key.create.alias: alias/orders-data is already the alias of keys[0]']);
  });

  test.each([
    [{ deletionWindowDays: 6 }, 'settings.deletionWindowDays: must be at least 7, got 6'],
    [{ deletionWindowDays: 31 }, 'settings.deletionWindowDays: must be at most 30, got 31'],
    [{ onDemandRotationLimit: 0 }, 'settings.onDemandRotationLimit: must be at least 1, got 0'],
    [{ onDemandRotationLimit: 26 }, 'settings.onDemandRotationLimit: must be at most 25, got 26'],
    [{ grace: '366d' }, 'settings.grace: must be at most 365d, got 366d'],
    [{ drainCheckEvery: '2d' }, 'settings.drainCheckEvery: must be at most 1d, got 2d'],
    [{ canaryWatch: '31d' }, 'settings.canaryWatch: must be at most 30d, got 31d'],
    [{ grace: '1 day' }, 'settings.grace: must be a duration such as 30m, 24h or 7d'],
    [
      { whenStillInUse: 'alert' },
      'settings.whenStillInUse: Invalid option: expected one of "stop"|"proceed", got alert',
    ],
  ])('settings %j the run would refuse', (settings, message) => {
    expect(problems([keyWith(macKey, { settings })])).toEqual(
      expect.arrayContaining([`key "webhook-mac-key" (keys[0]) ${message}`]),
    );
  });

  test("settings a run could not finish within Step Functions' year", () => {
    expect(
      problems([keyWith(macKey, { settings: { grace: '200d', drainChecks: 200, drainCheckEvery: '1d' } })]),
    ).toEqual([
      expect.stringMatching(
        /settings: grace, drain checks, verification hold and canary watch come to about 401\.\d days with the run's tasks, longer than a Step Functions execution may run \(365d\): shorten them$/,
      ),
    ]);
  });

  test('an unknown alert route, and an owner role (a key policy, not keyturn, governs deletion)', () => {
    expect(
      problems([
        keyWith(macKey, {
          alertRoute: 'payments',
          owner: { team: 'p', roleArn: 'arn:aws:iam::111122223333:role/admin' },
        }),
      ]),
    ).toEqual([
      `key "webhook-mac-key" (keys[0]) owner.roleArn: a key's deletion is governed by its key policy, not by keyturn: remove arn:aws:iam::111122223333:role/admin`,
      'key "webhook-mac-key" (keys[0]) alertRoute: "payments" is not a route in alerts.routes',
    ]);
  });
});
