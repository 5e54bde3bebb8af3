import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { deadlineIn } from '../../../functions/shared/deadline';
import { SecretStore } from '../../../functions/shared/secret-store';
import { runRotationStep } from '../../../functions/rotate-secret/rotation';
import { createStrategyRegistry } from '../../../functions/strategies/registry';
import {
  startLocalSecretsManager,
  type LocalSecretsManager,
} from '../../../local/secretsmanager/local-secrets-manager';
import { stagesOf } from '../../support/secrets';

/**
 * finishSecret of a replicated secret, with the real rotation function's step runner and the real SDK against the
 * local Secrets Manager, replication lag on a virtual clock (the function's sleeps advance it): AWSCURRENT moves
 * only once every replica holds the pending version, and a replica that does not in time fails the step with
 * ReplicasNotInSyncError, having moved nothing.
 */

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-rotation';
const LAG_MS = 4_000;
const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };

let time = Date.parse('2026-03-02T10:00:00Z');
const clockMs = () => time;
let local: LocalSecretsManager;
let client: SecretsManagerClient;
let store: SecretStore;
/** The function's invocation timeout, on the virtual clock. */
let invocationMs = 45_000;

beforeAll(async () => {
  local = await startLocalSecretsManager({
    now: () => new Date(time),
    replicationLagMs: { perRegionMs: { 'ap-south-1': LAG_MS } },
  });
  client = new SecretsManagerClient({ endpoint: local.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  store = new SecretStore(client);
  local.registerRotationFunction(FUNCTION_ARN, async (event) =>
    runRotationStep(event, {
      store,
      strategies: createStrategyRegistry(),
      logger: new Logger({ logLevel: 'SILENT' }),
      now: () => new Date(time),
      deadline: deadlineIn(invocationMs, clockMs),
      sleep: (ms) => {
        time += ms;
        return Promise.resolve();
      },
    }),
  );
});
afterAll(async () => {
  client.destroy();
  await local.stop();
});
beforeEach(() => {
  invocationMs = 45_000;
});

let counter = 0;
async function givenReplicatedSecret(): Promise<string> {
  const created = await client.send(
    new CreateSecretCommand({
      Name: `replicated-${++counter}`,
      SecretString: 'first-api-key-value',
      Tags: [{ Key: 'keyturn:strategy', Value: 'random' }],
      AddReplicaRegions: [{ Region: 'eu-west-1' }, { Region: 'ap-south-1' }],
    }),
  );
  time += LAG_MS; // both replicas hold the first version
  return created.ARN as string;
}

async function rotate(arn: string, token = randomUUID()) {
  await client.send(
    new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: FUNCTION_ARN, ClientRequestToken: token }),
  );
  return { token, record: await local.waitForRotation(arn, token) };
}

const currentIn = async (region: string, arn: string) =>
  (await store.inRegion(region).requireVersion(arn.replace(':us-east-1:', `:${region}:`), { stage: 'AWSCURRENT' }))
    .versionId;

it('moves AWSCURRENT only after every replica holds the pending version', async () => {
  const arn = await givenReplicatedSecret();

  const { token, record } = await rotate(arn);

  expect(record).toMatchObject({ outcome: 'succeeded' });
  const history = local.labelHistory(arn);
  const pendingAt = history.find((c) => c.versionId === token && c.label === 'AWSPENDING' && c.change === 'attached');
  const currentAt = history.find((c) => c.versionId === token && c.label === 'AWSCURRENT' && c.change === 'attached');
  // The pending value was stored by createSecret; the lagging region got it LAG_MS later, and only then did it move.
  const valueStored = history.filter((c) => c.versionId === token).map((c) => c.at.getTime());
  expect(pendingAt).toBeDefined();
  expect((currentAt?.at.getTime() ?? 0) - Math.min(...valueStored)).toBeGreaterThanOrEqual(LAG_MS);
  expect((await stagesOf(client, arn))[token]).toEqual(['AWSCURRENT']);
  // The region without lag already serves the new version; the lagging one does once the move replicated.
  expect(await currentIn('eu-west-1', arn)).toBe(token);
  time += LAG_MS;
  expect(await currentIn('ap-south-1', arn)).toBe(token);
});

it('fails finishSecret with ReplicasNotInSyncError when a replica has failed, moving nothing; a retry completes', async () => {
  const arn = await givenReplicatedSecret();
  const before = await currentIn('us-east-1', arn);
  local.setReplicaStatus(arn, 'ap-south-1', 'Failed', 'Access to the KMS key is not allowed');

  const { token, record } = await rotate(arn);

  expect(record).toMatchObject({ outcome: 'failed', step: 'finishSecret', error: { name: 'ReplicasNotInSyncError' } });
  expect(record.error?.message).toContain('ap-south-1 Failed (Access to the KMS key is not allowed)');
  const stages = await stagesOf(client, arn);
  expect(stages[before]).toEqual(['AWSCURRENT']);
  expect(stages[token]).toEqual(['AWSPENDING']);
  // The value of the pending version never appears in the error.
  const pending = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token }));
  expect(record.error?.message).not.toContain(pending.SecretString);

  // WHEN the replica is repaired and Secrets Manager retries the rotation (same token)
  local.setReplicaStatus(arn, 'ap-south-1', 'InSync');
  const retried = await rotate(arn, token);
  expect(retried.record).toMatchObject({ outcome: 'succeeded' });
  expect((await stagesOf(client, arn))[token]).toEqual(['AWSCURRENT']);
});

it('gives up within the invocation deadline when a replica lags longer, moving nothing', async () => {
  const arn = await givenReplicatedSecret();
  invocationMs = LAG_MS - 1_000; // the lag outlasts the invocation

  const { token, record } = await rotate(arn);

  expect(record).toMatchObject({ outcome: 'failed', step: 'finishSecret', error: { name: 'ReplicasNotInSyncError' } });
  expect(record.error?.message).toMatch(/ap-south-1 InProgress/);
  expect(record.error?.message).not.toMatch(/eu-west-1/);
  expect((await stagesOf(client, arn))[token]).toEqual(['AWSPENDING']);
});
