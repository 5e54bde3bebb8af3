/**
 * The CLI's domain modules against the local Secrets Manager with the real SDK: resolving a secret,
 * its versions and a stuck AWSPENDING, the fleet's selection preview, and the consumers from a policy.
 */
import { PutSecretValueCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ManagementTag } from '../../../functions/shared/management-tags';
import { previewSelection } from '../../../cli/fleet/selection';
import { CliError } from '../../../cli/output/errors';
import { consumersOf } from '../../../cli/policy-consumers';
import { canaryHeld, describeSecret, listVersions, stuckPending } from '../../../cli/secrets';
import {
  startLocalSecretsManager,
  type LocalSecretsManager,
} from '../../../local/secretsmanager/local-secrets-manager';
import { createSecret, MANUAL_FUNCTION_ARN } from '../../support/secrets';

const EXAMPLE_POLICY = 'infra/policy/example.policy.ts';

let manager: LocalSecretsManager;
let client: SecretsManagerClient;

beforeAll(async () => {
  manager = await startLocalSecretsManager();
  manager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  client = new SecretsManagerClient({
    endpoint: manager.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' },
  });
});

afterAll(async () => {
  client.destroy();
  await manager.stop();
});

/** Enables rotation without rotating now. */
async function enableRotation(secretId: string): Promise<void> {
  await client.send(
    new RotateSecretCommand({
      SecretId: secretId,
      RotationLambdaARN: MANUAL_FUNCTION_ARN,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    }),
  );
}

describe('a secret by name or ARN', () => {
  test('resolves a name to its ARN, tags and labels', async () => {
    // GIVEN
    const created = await createSecret(client, 'cli/orders-db', 'value-never-printed', { team: 'orders' });
    // WHEN
    const byName = await describeSecret(client, 'cli/orders-db');
    const byArn = await describeSecret(client, created.arn);
    // THEN
    expect(byName).toMatchObject({
      arn: created.arn,
      name: 'cli/orders-db',
      rotationEnabled: false,
      tags: { team: 'orders' },
    });
    expect(byName.versionStages).toEqual({ [created.versionId]: ['AWSCURRENT'] });
    expect(byArn.arn).toBe(created.arn);
    expect(JSON.stringify(byName)).not.toContain('value-never-printed');
  });

  test('a missing secret is "secret X not found"', async () => {
    await expect(describeSecret(client, 'cli/no-such-secret')).rejects.toEqual(
      new CliError('secret cli/no-such-secret not found'),
    );
  });
});

describe('versions and a stuck AWSPENDING', () => {
  test('a rotation whose function never finished leaves AWSPENDING on a non-current version, found and explained', async () => {
    // GIVEN a rotation started with a function that does nothing (as one that crashed would)
    const created = await createSecret(client, 'cli/stuck', 'v1-value');
    const token = '11111111-2222-4333-8444-555555555555';
    await client.send(
      new RotateSecretCommand({
        SecretId: created.arn,
        RotationLambdaARN: MANUAL_FUNCTION_ARN,
        ClientRequestToken: token,
      }),
    );
    await manager.waitForRotation(created.arn, token);
    // WHEN
    const secret = await describeSecret(client, 'cli/stuck');
    const versions = await listVersions(client, secret.arn);
    const stuck = stuckPending(secret, versions);
    // THEN
    expect(versions.find((v) => v.versionId === created.versionId)?.stages).toEqual(['AWSCURRENT']);
    expect(stuck?.versionId).toBe(token);
    expect(stuck?.resolution).toContain(
      `--secret-id cli/stuck --version-stage AWSPENDING --remove-from-version-id ${token}`,
    );
  });

  test('a version carrying the canary label the tags name is shown as the canary, never as stuck', async () => {
    // GIVEN a candidate under a custom canary label (docs/canary.md)
    const created = await createSecret(client, 'cli/canary', 'v1-value', { 'keyturn:canary-label': 'EARLY' });
    const candidate = '99999999-2222-4333-8444-555555555555';
    await client.send(
      new PutSecretValueCommand({
        SecretId: created.arn,
        ClientRequestToken: candidate,
        SecretString: 'v2-value',
        VersionStages: ['EARLY'],
      }),
    );
    // WHEN
    const secret = await describeSecret(client, 'cli/canary');
    const versions = await listVersions(client, secret.arn);
    // THEN
    expect(canaryHeld(secret, versions)).toMatchObject({ versionId: candidate, label: 'EARLY' });
    expect(stuckPending(secret, versions)).toBeUndefined();
    expect(canaryHeld({ tags: {} }, versions)).toBeUndefined();
  });

  test('a secret that never rotated has nothing stuck', async () => {
    const created = await createSecret(client, 'cli/fresh', 'value');
    const versions = await listVersions(client, created.arn);
    expect(versions.map((v) => v.stages)).toEqual([['AWSCURRENT']]);
    expect(stuckPending({ arn: created.arn, name: 'cli/fresh' }, versions)).toBeUndefined();
  });
});

describe("the fleet's selection, previewed with the fleet's own code", () => {
  test('by tags: managed secrets carrying every tag, rotation enabled; the rest excluded or ignored', async () => {
    // GIVEN
    const managed = { [ManagementTag.managed]: 'true', team: 'fleet-preview' };
    const a = await createSecret(client, 'cli/fleet-a', 'x', managed);
    const b = await createSecret(client, 'cli/fleet-b', 'x', managed);
    await createSecret(client, 'cli/fleet-off', 'x', managed); // rotation not enabled: excluded
    await createSecret(client, 'cli/fleet-unmanaged', 'x', { team: 'fleet-preview' }); // not keyturn's: ignored
    await enableRotation(a.arn);
    await enableRotation(b.arn);
    // WHEN
    const preview = await previewSelection(client, { tags: { team: 'fleet-preview' } });
    // THEN
    expect([...preview.secretArns].sort()).toEqual([a.arn, b.arn].sort());
    expect(preview.excluded).toBe(1);
  });

  test('an explicit list, deduplicated in order', async () => {
    const a = await createSecret(client, 'cli/list-a', 'x');
    const b = await createSecret(client, 'cli/list-b', 'x');
    const preview = await previewSelection(client, { secretArns: [b.arn, a.arn, b.arn] });
    expect(preview).toEqual({ secretArns: [b.arn, a.arn], excluded: 0 });
  });

  test('a selection that matches nothing is an error naming it', async () => {
    await expect(previewSelection(client, { tags: { team: 'nobody-has-this' } })).rejects.toThrow(CliError);
  });
});

describe("consumers from the secret's policy entry", () => {
  test("by the secret's keyturn:entry tag", async () => {
    // GIVEN a secret the example policy's orders-api-db entry manages
    await createSecret(client, 'cli/orders-api', 'x', { [ManagementTag.entry]: 'orders-api-db' });
    // WHEN
    const consumers = consumersOf(EXAMPLE_POLICY, await describeSecret(client, 'cli/orders-api'));
    // THEN
    expect(consumers).toMatchObject({ entryId: 'orders-api-db', consumers: [{ name: 'orders-api' }] });
  });

  test('by the name the entry gives, when the tag is missing; a note when no entry manages it', async () => {
    await createSecret(client, 'payments/api-key', 'x');
    expect(consumersOf(EXAMPLE_POLICY, await describeSecret(client, 'payments/api-key'))).toMatchObject({
      entryId: 'payments-api-key',
      consumers: [{ name: 'checkout' }, { name: 'billing' }],
    });
    const stranger = await describeSecret(client, (await createSecret(client, 'cli/stranger', 'x')).arn);
    expect(consumersOf(EXAMPLE_POLICY, stranger)).toEqual({
      policyFile: EXAMPLE_POLICY,
      consumers: [],
      note: `no entry of ${EXAMPLE_POLICY} manages cli/stranger: consumers unknown`,
    });
    expect(consumersOf('no/such.policy.ts', stranger).note).toBe(
      'policy file no/such.policy.ts not found: consumers unknown (pass --policy)',
    );
  });
});
