import { CreateAliasCommand, CreateKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { MonitoredKey } from '../../../functions/freshness-check/monitored-keys';
import { takeInventory, type Finding, type Inventory, type PolicySecret } from '../../../functions/inventory';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { createSecret, MANUAL_FUNCTION_ARN } from '../../support/secrets';

/**
 * takeInventory through the real SDK against keyturn's local Secrets Manager and KMS: one secret or key per finding,
 * a policy naming some of them, and a check that the inventory only read (the local services count every call).
 */

const HOUR_MS = 3_600_000;
const DAY = 86_400;
/** Each secret's value: none may appear in the inventory. */
const VALUE = (name: string) => `value-of-${name}-do-not-print`;

let stack: LocalStack;
let sm: SecretsManagerClient;
let kms: KMSClient;

beforeAll(async () => {
  stack = await startLocalStack({ kms: true });
  sm = stack.client;
  kms = new KMSClient({});
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
});
afterAll(() => stack.stop());

function managedTags(entry: string, maxAgeSeconds: number): Record<string, string> {
  return {
    'keyturn:managed': 'true',
    'keyturn:entry': entry,
    'keyturn:owner': `team-${entry}`,
    'keyturn:strategy': 'random',
    'keyturn:max-age-seconds': String(maxAgeSeconds),
  };
}

/** A managed secret with rotation turned on (RotateImmediately=false: only testSecret runs, nothing rotates). */
async function managedRotating(name: string, entry: string, maxAgeSeconds: number): Promise<string> {
  const { arn } = await createSecret(sm, name, VALUE(name), managedTags(entry, maxAgeSeconds));
  await sm.send(
    new RotateSecretCommand({
      SecretId: arn,
      RotationLambdaARN: MANUAL_FUNCTION_ARN,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    }),
  );
  await stack.secretsManager.waitForRotation(arn);
  return arn;
}

async function keyWithAlias(alias: string): Promise<string> {
  const created = await kms.send(new CreateKeyCommand({}));
  const arn = created.KeyMetadata?.Arn;
  if (!arn) throw new Error('CreateKey returned no ARN');
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }));
  return arn;
}

const codesOf = (inventory: Inventory, subjectId: string) =>
  inventory.findings.filter((f) => f.subject.id === subjectId).map((f) => f.code);

it('reports every finding by code and subject, with how to resolve it, and only reads', async () => {
  // GIVEN a fresh managed secret, an overdue one, one stuck with AWSPENDING, one with rotation off, one no policy
  // entry names, secrets with keyturn tags but not managed, and one adopted by ARN
  const fresh = await managedRotating('app/fresh', 'fresh', 30 * DAY);
  const stale = await managedRotating('app/stale', 'stale', 60);
  const stuck = await managedRotating('app/stuck', 'stuck', 30 * DAY);
  const pending = await sm.send(
    new PutSecretValueCommand({ SecretId: stuck, SecretString: VALUE('pending'), VersionStages: ['AWSPENDING'] }),
  );
  const off = (await createSecret(sm, 'app/off', VALUE('off'), managedTags('off', 30 * DAY))).arn;
  const orphan = await managedRotating('app/orphan', 'orphan', 30 * DAY);
  const byHand = (await createSecret(sm, 'app/by-hand', VALUE('by-hand'), { 'keyturn:strategy': 'random' })).arn;
  const managedFalse = (await createSecret(sm, 'app/false', VALUE('false'), { 'keyturn:managed': 'false' })).arn;
  await createSecret(sm, 'app/unrelated', VALUE('unrelated'), { team: 'x' });
  const adopted = await managedRotating('app/adopted', 'adopted', 30 * DAY);
  // AND a managed secret with two replicas, one of which failed (the local service reports what a test sets)
  const replicated = await sm.send(
    new CreateSecretCommand({
      Name: 'app/replicated',
      SecretString: VALUE('replicated'),
      Tags: Object.entries(managedTags('replicated', 30 * DAY)).map(([Key, Value]) => ({ Key, Value })),
      AddReplicaRegions: [{ Region: 'eu-west-1' }, { Region: 'eu-central-1' }],
    }),
  );
  const replicatedArn = replicated.ARN as string;
  stack.secretsManager.setReplicaStatus(
    replicatedArn,
    'eu-central-1',
    'Failed',
    'Secret with this name already exists',
  );
  // AND policy entries whose secret is gone, scheduled for deletion, or there but not tagged managed
  const doomed = (await createSecret(sm, 'app/doomed', VALUE('doomed'), managedTags('doomed', 30 * DAY))).arn;
  await sm.send(new DeleteSecretCommand({ SecretId: doomed, RecoveryWindowInDays: 7 }));
  const untagged = (await createSecret(sm, 'app/untagged', VALUE('untagged'))).arn;
  const policySecrets: PolicySecret[] = [
    { entryId: 'fresh', secretId: 'app/fresh' },
    { entryId: 'stale', secretId: 'app/stale' },
    { entryId: 'stuck', secretId: 'app/stuck' },
    { entryId: 'off', secretId: 'app/off' },
    { entryId: 'adopted', secretId: adopted },
    { entryId: 'replicated', secretId: 'app/replicated' },
    { entryId: 'gone', secretId: 'app/gone' },
    { entryId: 'doomed', secretId: 'app/doomed' },
    { entryId: 'untagged', secretId: untagged },
  ];
  // AND policy keys: fresh, overdue, pending deletion, and an alias that does not exist
  await keyWithAlias('alias/fresh-key');
  await keyWithAlias('alias/stale-key');
  const doomedKey = await keyWithAlias('alias/doomed-key');
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomedKey, PendingWindowInDays: 7 }));
  const key = (entryId: string, keyRef: string, maxAgeSeconds: number): MonitoredKey => ({
    entryId,
    keyRef,
    maxAgeSeconds,
  });
  const keys = [
    key('fresh-key', 'alias/fresh-key', 91 * DAY),
    key('stale-key', 'alias/stale-key', 60),
    key('doomed-key', 'alias/doomed-key', 91 * DAY),
    key('missing-key', 'alias/missing-key', 91 * DAY),
  ];
  const localKms = stack.kms;
  if (!localKms) throw new Error('no local KMS');
  const kmsOperations = new Set<string>();
  const unsubscribe = localKms.subscribe((call) => kmsOperations.add(call.operation));
  stack.secretsManager.resetRequestCounts();
  const labelsBefore = stack.secretsManager.labelHistory(stuck).length;

  // WHEN the inventory is taken two hours later
  const now = new Date(Date.now() + 2 * HOUR_MS);
  const inventory = await takeInventory({ secretsManager: sm, kms, policy: { secrets: policySecrets, keys } }, now);
  unsubscribe();

  // THEN each secret has exactly its findings
  expect(codesOf(inventory, fresh)).toEqual([]);
  expect(codesOf(inventory, adopted)).toEqual([]);
  expect(codesOf(inventory, stale)).toEqual(['secret-overdue']);
  expect(codesOf(inventory, stuck)).toEqual(['stuck-pending']);
  expect(codesOf(inventory, off)).toEqual(['rotation-disabled']);
  expect(codesOf(inventory, orphan)).toEqual(['not-in-policy']);
  expect(codesOf(inventory, byHand)).toEqual(['unmanaged-tagged']);
  expect(codesOf(inventory, replicatedArn)).toEqual(['rotation-disabled', 'replica-out-of-sync']);
  const replicaFinding = inventory.findings.find((f) => f.code === 'replica-out-of-sync') as Finding;
  expect(replicaFinding.message).toContain('eu-central-1 is Failed');
  expect(inventory.secrets.find((s) => s.arn === replicatedArn)?.replicas).toEqual([
    { region: 'eu-west-1', status: 'InSync' },
    { region: 'eu-central-1', status: 'Failed' },
  ]);
  expect(codesOf(inventory, managedFalse)).toEqual(['unmanaged-tagged']);
  expect(inventory.findings.map((f) => f.subject.name)).not.toContain('app/unrelated');
  // AND the stuck version is named, with both ways out
  const stuckFinding = inventory.findings.find((f) => f.code === 'stuck-pending') as Finding;
  expect(stuckFinding.message).toContain(pending.VersionId as string);
  expect(stuckFinding.resolution).toContain(`--client-request-token ${pending.VersionId as string}`);
  expect(stuckFinding.resolution).toContain('--remove-from-version-id');
  // AND the policy entries whose secret is not there, each with its reason
  const missing = inventory.findings.filter((f) => f.code === 'policy-secret-missing');
  expect(missing.map((f) => f.subject.entryId).sort()).toEqual(['doomed', 'gone', 'untagged']);
  expect(missing.find((f) => f.subject.entryId === 'gone')?.message).toContain('not in the account');
  expect(missing.find((f) => f.subject.entryId === 'doomed')?.message).toContain('scheduled for deletion');
  expect(missing.find((f) => f.subject.entryId === 'untagged')?.message).toContain('not tagged keyturn:managed=true');
  // AND the keys: overdue, pending deletion, unreadable
  expect(inventory.keys.map((k) => [k.entryId, k.findings])).toEqual([
    ['fresh-key', []],
    ['stale-key', ['key-overdue']],
    ['doomed-key', ['key-pending-deletion']],
    ['missing-key', ['key-unreadable']],
  ]);
  expect(inventory.counts).toMatchObject({
    'secret-overdue': 1,
    'stuck-pending': 1,
    'rotation-disabled': 2,
    'unmanaged-tagged': 2,
    'not-in-policy': 1,
    'policy-secret-missing': 3,
    'replica-out-of-sync': 1,
    'secret-unreadable': 0,
    'key-overdue': 1,
    'key-pending-deletion': 1,
    'key-unreadable': 1,
  });
  // AND every finding says how to resolve it
  for (const finding of inventory.findings) expect(finding.resolution.length).toBeGreaterThan(20);
  // AND each managed secret is listed with owner, kind, last rotation and due date (the deleted one is not)
  expect(inventory.secrets.map((s) => s.name).sort()).toEqual([
    'app/adopted',
    'app/fresh',
    'app/off',
    'app/orphan',
    'app/replicated',
    'app/stale',
    'app/stuck',
  ]);
  const freshEntry = inventory.secrets.find((s) => s.arn === fresh);
  expect(freshEntry).toMatchObject({ entryId: 'fresh', owner: 'team-fresh', kind: 'random', rotationEnabled: true });
  expect(Date.parse(freshEntry?.dueAt ?? '') - Date.parse(freshEntry?.lastRotatedAt ?? '')).toBe(30 * DAY * 1000);
  // AND the inventory is plain JSON and holds no value
  const json = JSON.stringify(inventory);
  expect(JSON.parse(json)).toEqual(inventory);
  expect(json).not.toMatch(/value-of-/);
  // AND it only read: no write reached Secrets Manager or KMS, and the stuck version still holds AWSPENDING
  expect(Object.keys(stack.secretsManager.requestCounts()).sort()).toEqual([
    'DescribeSecret',
    'ListSecretVersionIds',
    'ListSecrets',
  ]);
  expect([...kmsOperations].sort()).toEqual(['DescribeKey', 'ListKeyRotations']);
  expect(stack.secretsManager.labelHistory(stuck)).toHaveLength(labelsBefore);

  // WHEN the threshold is longer than the pending version's age, and no policy is given
  const lenient = await takeInventory({ secretsManager: sm, policy: {}, stuckPendingAfterSeconds: 3 * 3600 }, now);
  // THEN it is not stuck yet, and nothing is compared with the policy
  expect(lenient.counts['stuck-pending']).toBe(0);
  expect(lenient.counts['not-in-policy']).toBe(0);
  expect(lenient.counts['policy-secret-missing']).toBe(0);
  expect(lenient.comparedWithPolicy).toBe(false);
});
