import { PutSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { runFreshnessCheck } from '../../../functions/freshness-check/run-freshness-check';
import { policySecretsInput, policySecretsOfEvent } from '../../../functions/inventory/policy-secrets';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { recordedObservability } from '../../support/recorded-observability';
import { createSecret, MANUAL_FUNCTION_ARN } from '../../support/secrets';

/**
 * The hourly check (the freshness check's run) with the inventory, against the local Secrets Manager: each finding a
 * gauge and a log line with how to resolve it, and nothing changed.
 */

const HOUR_MS = 3_600_000;
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
});
afterAll(() => stack.stop());

const managed = (entry: string) => ({
  'keyturn:managed': 'true',
  'keyturn:entry': entry,
  'keyturn:max-age-seconds': String(30 * 86_400),
});

it('publishes a gauge per finding, logs each with its resolution, and changes nothing', async () => {
  // GIVEN a managed secret stuck with AWSPENDING (rotation on), one with rotation off, one tagged by hand, and a
  // policy entry whose secret does not exist
  const stuck = (await createSecret(stack.client, 'hourly/stuck', 'current-value', managed('stuck'))).arn;
  await stack.client.send(
    new RotateSecretCommand({ SecretId: stuck, RotationLambdaARN: MANUAL_FUNCTION_ARN, RotateImmediately: false }),
  );
  await stack.secretsManager.waitForRotation(stuck);
  const pending = await stack.client.send(
    new PutSecretValueCommand({ SecretId: stuck, SecretString: 'pending-value', VersionStages: ['AWSPENDING'] }),
  );
  await createSecret(stack.client, 'hourly/off', 'off-value', managed('off'));
  await createSecret(stack.client, 'hourly/by-hand', 'by-hand-value', { 'keyturn:entry': 'someone' });
  const policySecrets = [
    { entryId: 'stuck', secretId: 'hourly/stuck' },
    { entryId: 'off', secretId: 'hourly/off' },
    { entryId: 'gone', secretId: 'hourly/gone' },
  ];
  const { logger, metrics, lines, gauges, published } = recordedObservability();
  stack.secretsManager.resetRequestCounts();
  const labelsBefore = stack.secretsManager.labelHistory(stuck).length;

  // the event the schedule invokes the function with: its input, as the construct writes it
  const event: unknown = JSON.parse(policySecretsInput(policySecrets));

  // WHEN the hourly check runs two hours later
  const summary = await runFreshnessCheck({
    client: stack.client,
    logger,
    metrics,
    policySecrets: () => policySecretsOfEvent(event),
    now: () => new Date(Date.now() + 2 * HOUR_MS),
  });

  // THEN each finding is a gauge
  expect(Object.fromEntries(gauges)).toMatchObject({
    SecretsOverdue: 0,
    SecretsStuckPending: 1,
    SecretsRotationDisabled: 1,
    UnmanagedTaggedSecrets: 1,
    PolicySecretsMissing: 1,
    ManagedSecretsNotInPolicy: 0,
    ReplicasOutOfSync: 0,
    SecretsUnreadable: 0,
  });
  expect(published).toHaveBeenCalledTimes(1);
  expect(summary.findings['stuck-pending']).toBe(1);
  // AND a log line names each, with how to resolve it
  const warned = (message: string) => lines.filter((l) => l.level === 'warn' && l.message === message);
  expect(warned('AWSPENDING is stuck on a version that is not current')).toEqual([
    {
      level: 'warn',
      message: 'AWSPENDING is stuck on a version that is not current',
      fields: expect.objectContaining({
        code: 'stuck-pending',
        subject: stuck,
        entryId: 'stuck',
        resolution: expect.stringContaining(`--client-request-token ${pending.VersionId as string}`) as string,
      }) as Record<string, unknown>,
    },
  ]);
  expect(warned('rotation is turned off for a managed secret')).toHaveLength(1);
  expect(warned('a secret carries keyturn tags but is not managed')[0]?.fields.name).toBe('hourly/by-hand');
  expect(warned("a policy entry's secret is missing")[0]?.fields.entryId).toBe('gone');
  // AND no value reached a log line
  expect(JSON.stringify(lines)).not.toMatch(/current-value|pending-value|off-value|by-hand-value/);
  // AND it only read: the stuck version still holds AWSPENDING
  expect(Object.keys(stack.secretsManager.requestCounts()).sort()).toEqual([
    'DescribeSecret',
    'ListSecretVersionIds',
    'ListSecrets',
  ]);
  expect(stack.secretsManager.labelHistory(stuck)).toHaveLength(labelsBefore);
});

it('counts policy entries it could not load as missing, logs why, and still checks the rest', async () => {
  // GIVEN a schedule input whose entries the check cannot parse
  const { logger, metrics, lines, gauges } = recordedObservability();
  const event = { policySecrets: '[["stuck",' };

  // WHEN the check runs
  await runFreshnessCheck({
    client: stack.client,
    logger,
    metrics,
    policySecrets: () => policySecretsOfEvent(event),
  });

  // THEN the missing gauge counts it, the error is logged, and the other findings are still published
  expect(gauges.get('PolicySecretsMissing')).toBe(1);
  expect(gauges.get('ManagedSecretsNotInPolicy')).toBe(0);
  expect(gauges.get('SecretsRotationDisabled')).toBeGreaterThanOrEqual(1);
  expect(lines.find((l) => l.level === 'error')).toEqual({
    level: 'error',
    message: "the policy's secret entries could not be loaded",
    fields: { error: "the schedule's input policySecrets is not valid JSON" },
  });
});
