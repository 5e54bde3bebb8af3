/**
 * `keyturn discover` against keyturn's local Secrets Manager, IAM and KMS through the real AWS SDK: secrets with
 * and without rotation, an RDS-owned and a keyturn-managed one; old, new and inactive access keys (the old ones
 * created on the local IAM's clock set back); symmetric keys with and without rotation, asymmetric and HMAC keys,
 * a keyturn-managed one. It asserts the findings, that every proposed entry (its snippet evaluated as the
 * TypeScript it is) makes a policy the real loader accepts, that no value or secret access key appears in the
 * output, and that discover made read calls only.
 */
import { IAMClient, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  EnableKeyRotationCommand,
  type KMSClient,
  type KeySpec,
  type KeyUsageType,
} from '@aws-sdk/client-kms';
import { CancelRotateSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { discoverCommand } from '../../../cli/commands/discover';
import type { DiscoverJson } from '../../../cli/discover/render';
import { parsePolicy } from '../../../infra/policy/load-policy';
import { startLocalIam, type LocalIam } from '../../../local/iam';
import { startLocalKms, type LocalKms } from '../../../local/kms';
import { startLocalSecretsManager, type LocalSecretsManager } from '../../../local/secretsmanager';
import { kmsClient } from '../../support/kms';
import { evaluateSnippet } from '../../support/policy-snippets';
import { createSecret, MANUAL_FUNCTION_ARN } from '../../support/secrets';

const DAY_MS = 86_400_000;
const SECRET_VALUES = {
  plain: 'plain-value-0f3c9a',
  postgres: '{"engine":"postgres","username":"app","password":"pg-password-7b1d"}',
  rdsOwned: '{"username":"master","password":"rds-master-password-2e8a"}',
  managed: 'managed-value-5c4e',
  rotated: 'rotated-value-9d2f',
  disabled: 'disabled-value-3a7b',
  redis: 'redis-password-8e1c',
};
/** Only read calls: List*, Describe*, Get* other than values. */
const READ_CALL = /^(List|Describe|Get(?!SecretValue))/;

let secretsManagerServer: LocalSecretsManager;
let iamServer: LocalIam;
let kmsServer: LocalKms;
let secretsManager: SecretsManagerClient;
let iam: IAMClient;
let kms: KMSClient;
/** The local IAM's clock offset: keys created while it is negative are that much older. */
let iamClockOffsetMs = 0;
const secretAccessKeys: string[] = [];
const keyArns: Record<string, string> = {};
let oldKeyId = '';

beforeAll(async () => {
  [secretsManagerServer, iamServer, kmsServer] = await Promise.all([
    startLocalSecretsManager(),
    startLocalIam({ now: () => new Date(Date.now() + iamClockOffsetMs) }),
    startLocalKms(),
  ]);
  secretsManager = new SecretsManagerClient({
    endpoint: secretsManagerServer.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAKEYTURNLOCAL0001', secretAccessKey: 'keyturn-local-test' },
  });
  iam = new IAMClient({
    endpoint: iamServer.iamEndpoint,
    region: iamServer.region,
    credentials: iamServer.adminCredentials,
  });
  kms = kmsClient(kmsServer.endpoint);
  await seedSecrets();
  await seedUsers();
  await seedKeys();
});

afterAll(async () => {
  secretsManager.destroy();
  iam.destroy();
  kms.destroy();
  await Promise.all([secretsManagerServer.stop(), iamServer.stop(), kmsServer.stop()]);
});

async function seedSecrets(): Promise<void> {
  await createSecret(secretsManager, 'payments/api-key', SECRET_VALUES.plain, { team: 'payments' });
  await createSecret(secretsManager, 'orders/db/app', SECRET_VALUES.postgres, { engine: 'postgres' });
  secretsManagerServer.createServiceOwnedSecret({ owningService: 'rds', value: SECRET_VALUES.rdsOwned });
  await createSecret(secretsManager, 'platform/managed', SECRET_VALUES.managed, { 'keyturn:managed': 'true' });
  await createSecret(secretsManager, 'platform/rotated', SECRET_VALUES.rotated);
  await createSecret(secretsManager, 'platform/disabled', SECRET_VALUES.disabled);
  await createSecret(secretsManager, 'cache/redis-sessions', SECRET_VALUES.redis);
  secretsManagerServer.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  for (const secretId of ['platform/rotated', 'platform/disabled']) {
    await secretsManager.send(
      new RotateSecretCommand({
        SecretId: secretId,
        RotationLambdaARN: MANUAL_FUNCTION_ARN,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    await secretsManagerServer.waitForRotation(secretId);
  }
  // CancelRotateSecret turns rotation off: configured once, disabled now.
  await secretsManager.send(new CancelRotateSecretCommand({ SecretId: 'platform/disabled' }));
}

async function seedUsers(): Promise<void> {
  iamServer.createUser('ci-deploy', { path: '/ci/' });
  iamServer.createUser('fresh-bot');
  iamServer.createUser('retired-bot');
  // Users sorted before the others, more than IAM's default page (100): ci-deploy is on the second page.
  for (let n = 0; n < 100; n++) iamServer.createUser(`a-idle-${String(n).padStart(3, '0')}`);
  iamClockOffsetMs = -412 * DAY_MS;
  const old = iamServer.createAccessKey('ci-deploy');
  const retired = iamServer.createAccessKey('retired-bot');
  iamClockOffsetMs = 0;
  const fresh = iamServer.createAccessKey('fresh-bot');
  oldKeyId = old.accessKeyId;
  secretAccessKeys.push(old.secretAccessKey, retired.secretAccessKey, fresh.secretAccessKey);
  // An old key that is Inactive signs nothing: not a finding.
  await iam.send(
    new UpdateAccessKeyCommand({ UserName: 'retired-bot', AccessKeyId: retired.accessKeyId, Status: 'Inactive' }),
  );
}

async function createKey(
  name: string,
  spec: KeySpec,
  usage: KeyUsageType,
  options: { readonly alias?: string; readonly tags?: Record<string, string> } = {},
): Promise<string> {
  const created = await kms.send(
    new CreateKeyCommand({
      KeySpec: spec,
      KeyUsage: usage,
      Tags: Object.entries(options.tags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    }),
  );
  const arn = created.KeyMetadata?.Arn;
  if (arn === undefined) throw new Error('CreateKey returned no ARN');
  if (options.alias) await kms.send(new CreateAliasCommand({ AliasName: options.alias, TargetKeyId: arn }));
  keyArns[name] = arn;
  return arn;
}

async function seedKeys(): Promise<void> {
  await createKey('unrotated', 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', {
    alias: 'alias/orders-data',
    tags: { Team: 'platform' },
  });
  const rotated = await createKey('rotated', 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', { alias: 'alias/rotated' });
  await kms.send(new EnableKeyRotationCommand({ KeyId: rotated }));
  await createKey('hmac', 'HMAC_256', 'GENERATE_VERIFY_MAC', { alias: 'alias/webhook-mac' });
  await createKey('signing', 'ECC_NIST_P256', 'SIGN_VERIFY');
  await createKey('managed', 'HMAC_256', 'GENERATE_VERIFY_MAC', {
    alias: 'alias/keyturn-mac',
    tags: { 'keyturn:entry': 'mac-key' },
  });
}

/** The calls each emulator answered while `run` ran. */
async function callsDuring<T>(run: () => Promise<T>): Promise<{ result: T; calls: string[] }> {
  const calls: string[] = [];
  const unsubscribeIam = iamServer.subscribe((call) => calls.push(`iam:${call.action}`));
  const unsubscribeKms = kmsServer.subscribe((call) => calls.push(`kms:${call.operation}`));
  secretsManagerServer.resetRequestCounts();
  try {
    const result = await run();
    const counts = secretsManagerServer.requestCounts();
    for (const operation of Object.keys(counts)) calls.push(`secretsmanager:${operation}`);
    return { result, calls };
  } finally {
    unsubscribeIam();
    unsubscribeKms();
  }
}

const deps = () => ({ secretsManager, iam, kms, now: () => new Date() });

describe('keyturn discover', () => {
  let json: DiscoverJson;
  let calls: string[];
  let exitCode: number;
  let jsonText: string;

  beforeAll(async () => {
    const run = await callsDuring(() => discoverCommand(deps(), { json: true, accessKeyMaxAgeDays: 90 }));
    jsonText = run.result.stdout;
    exitCode = run.result.exitCode;
    json = JSON.parse(jsonText) as DiscoverJson;
    calls = run.calls;
  });

  test('finds the unrotated secrets, the old Active access key and the unrotated KMS keys, nothing else', () => {
    expect(exitCode).toBe(3);
    expect(json.findings.map((f) => [f.kind, f.name, f.policyList])).toEqual([
      ['secret', 'cache/redis-sessions', 'entries'],
      ['secret', 'orders/db/app', 'entries'],
      ['secret', 'payments/api-key', 'entries'],
      ['secret', 'platform/disabled', 'entries'],
      ['access-key', 'ci-deploy', 'entries'],
      ['kms-key', 'alias/orders-data', 'keys'],
      ['kms-key', 'alias/webhook-mac', 'keys'],
      ['kms-key', (keyArns.signing ?? '').split('/')[1], 'keys'],
    ]);
  });

  test('each finding says why, with its age', () => {
    const byName = new Map(json.findings.map((f) => [f.name, f]));
    expect(byName.get('payments/api-key')?.reason).toBe('no rotation configured; created 0 days ago, never rotated');
    expect(byName.get('platform/disabled')?.reason).toMatch(/^rotation disabled; last rotated 0 days ago$/);
    expect(byName.get('ci-deploy')).toMatchObject({ reason: `access key ${oldKeyId} 412 days old`, ageDays: 412 });
    expect(byName.get('alias/orders-data')?.reason).toMatch(/^automatic rotation off; created 0 days ago$/);
    expect(byName.get('alias/webhook-mac')?.reason).toMatch(/^KMS never rotates HMAC_256 keys; created 0 days ago$/);
  });

  test('the kinds are guessed from metadata: an engine tag makes a database user, nothing else random', () => {
    const entries = Object.fromEntries(json.findings.map((f) => [f.name, f.policyEntry as Record<string, unknown>]));
    expect(entries['orders/db/app']).toEqual({
      id: 'orders-db-app',
      kind: 'postgres-single-user',
      secret: { name: 'orders/db/app' },
      owner: { team: 'TODO' },
    });
    expect(entries['payments/api-key']).toMatchObject({ kind: 'random', owner: { team: 'payments' } });
    expect(entries['ci-deploy']).toEqual({
      id: 'ci-deploy-access-key',
      kind: 'iam-access-key',
      secret: { name: 'iam/ci-deploy/access-key' },
      owner: { team: 'TODO' },
      options: { userName: 'ci-deploy', path: '/ci/' },
    });
    expect(entries['alias/orders-data']).toEqual({
      kind: 'kms-key',
      id: 'orders-data',
      owner: { team: 'platform' },
      key: { adopt: { arn: keyArns.unrotated, alias: 'alias/orders-data' } },
      schedule: { expression: 'rate(365 days)' },
    });
    expect(entries['alias/webhook-mac']).toMatchObject({ schedule: { expression: 'rate(180 days)' } });
    // A Redis user needs what metadata cannot tell (its master or its ElastiCache user id): no entry, and why.
    expect(entries['cache/redis-sessions']).toBeNull();
    expect(json.findings[0]?.snippet).toMatch(/^\/\/ cache\/redis-sessions: .*\n\/\/ Guessed from "redis" in its name/);
    const unaliased = json.findings.find((f) => f.arn === keyArns.signing);
    expect(unaliased?.snippet).toContain('CHECK: it has no alias');
  });

  test('every snippet is the entry it stands for, and together they make a policy the loader accepts', () => {
    const adoptable = json.findings.filter((f) => f.policyEntry !== null);
    for (const finding of adoptable) expect(evaluateSnippet(finding.snippet)).toEqual(finding.policyEntry);
    const entries = adoptable.filter((f) => f.policyList === 'entries').map((f) => f.policyEntry);
    const keys = adoptable.filter((f) => f.policyList === 'keys').map((f) => f.policyEntry);
    expect(keys).toHaveLength(3);
    const policy = parsePolicy(
      { version: 1, alerts: { routes: { platform: {} }, defaultRoute: 'platform' }, entries, keys },
      'discovered',
    );
    expect(policy.entries.map((entry) => entry.id)).toEqual([
      'orders-db-app',
      'payments-api-key',
      'platform-disabled',
      'ci-deploy-access-key',
    ]);
  });

  test('no secret value or secret access key appears in the output', () => {
    for (const value of [...Object.values(SECRET_VALUES), ...secretAccessKeys]) expect(jsonText).not.toContain(value);
  });

  test('only read calls: no value read, nothing changed', () => {
    expect(calls.filter((call) => call === 'iam:ListUsers').length).toBeGreaterThanOrEqual(2);
    expect(calls.filter((call) => !READ_CALL.test(call.split(':')[1] ?? ''))).toEqual([]);
    expect(new Set(calls)).toEqual(
      new Set([
        'secretsmanager:ListSecrets',
        'iam:ListUsers',
        'iam:ListAccessKeys',
        'kms:ListKeys',
        'kms:ListAliases',
        'kms:DescribeKey',
        'kms:GetKeyRotationStatus',
        'kms:ListResourceTags',
      ]),
    );
  });

  test('the text output groups findings by kind with a reason each, then the snippets', async () => {
    const { stdout, exitCode: code } = await discoverCommand(deps(), { json: false, accessKeyMaxAgeDays: 90 });
    expect(code).toBe(3);
    expect(stdout).toContain('Secrets Manager secrets without rotation (4):');
    expect(stdout).toContain('IAM users with access keys older than 90 days (1):');
    expect(stdout).toContain(`  ci-deploy  access key ${oldKeyId} 412 days old`);
    expect(stdout).toContain('Customer managed KMS keys without rotation (3):');
    expect(stdout.indexOf('Policy entries that would adopt them')).toBeGreaterThan(stdout.indexOf('KMS keys without'));
    for (const finding of json.findings) expect(stdout).toContain(finding.snippet);
    expect(stdout.indexOf('No entry can adopt these')).toBeGreaterThan(stdout.indexOf('Policy keys that would adopt'));
  });

  test('a key whose key policy refuses the read is a finding of its own, and the run goes on', async () => {
    kmsServer.faults.failNext('DescribeKey', 'AccessDeniedException');
    const { stdout } = await discoverCommand(deps(), { json: true, accessKeyMaxAgeDays: 90 });
    const findings = (JSON.parse(stdout) as DiscoverJson).findings;
    const refused = findings.filter((f) => f.reason.includes('refuses kms:DescribeKey'));
    expect(refused).toHaveLength(1);
    const [unreadable] = refused;
    expect(Object.values(keyArns)).toContain(unreadable?.arn);
    expect(unreadable).toMatchObject({ kind: 'kms-key', policyEntry: null });
    // Every other finding is as before.
    const others = (list: DiscoverJson['findings']) =>
      list.filter((f) => f.arn !== unreadable?.arn).map((f) => [f.arn, f.reason]);
    expect(others(findings)).toEqual(others(json.findings));
  });

  test('a threshold above the old key’s age leaves it out', async () => {
    const { stdout } = await discoverCommand(deps(), { json: true, accessKeyMaxAgeDays: 412 });
    const kinds = (JSON.parse(stdout) as DiscoverJson).findings.map((f) => f.kind);
    expect(kinds).not.toContain('access-key');
  });
});

describe('keyturn discover in an account with nothing unrotated', () => {
  test('exits 0 and says so, in text and in JSON', async () => {
    const [emptySecretsManager, emptyIam, emptyKms] = await Promise.all([
      startLocalSecretsManager(),
      startLocalIam(),
      startLocalKms(),
    ]);
    const clients = {
      secretsManager: new SecretsManagerClient({
        endpoint: emptySecretsManager.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIAKEYTURNLOCAL0001', secretAccessKey: 'keyturn-local-test' },
      }),
      iam: new IAMClient({
        endpoint: emptyIam.iamEndpoint,
        region: emptyIam.region,
        credentials: emptyIam.adminCredentials,
      }),
      kms: kmsClient(emptyKms.endpoint),
      now: () => new Date(),
    };
    try {
      const text = await discoverCommand(clients, { json: false, accessKeyMaxAgeDays: 90 });
      expect(text).toEqual({ exitCode: 0, stdout: expect.stringMatching(/^Nothing found: /) as unknown });
      const json = await discoverCommand(clients, { json: true, accessKeyMaxAgeDays: 90 });
      expect(json.exitCode).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({ findings: [] });
    } finally {
      clients.secretsManager.destroy();
      clients.iam.destroy();
      clients.kms.destroy();
      await Promise.all([emptySecretsManager.stop(), emptyIam.stop(), emptyKms.stop()]);
    }
  });

  test('a threshold that is not a whole number of days is refused before any call', async () => {
    await expect(discoverCommand(deps(), { json: false, accessKeyMaxAgeDays: Number.NaN })).rejects.toThrow(
      '--access-key-max-age-days must be a whole number of days, 0 or more, got NaN',
    );
  });
});
