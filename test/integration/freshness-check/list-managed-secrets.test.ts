import { TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { listManagedSecrets } from '../../../functions/freshness-check/freshness';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { recordedObservability } from '../../support/recorded-observability';
import { createSecret } from '../../support/secrets';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
});
afterAll(() => stack.stop());

describe('listManagedSecrets against the local Secrets Manager', () => {
  it('finds every managed secret across pages, with its bound, and nothing else', async () => {
    for (let i = 0; i < 130; i++) {
      await createSecret(stack.client, `managed/${i}`, 'value', {
        'keyturn:managed': 'true',
        'keyturn:max-age-seconds': String(86_400 * (i + 1)),
      });
    }
    await createSecret(stack.client, 'unmanaged', 'value', { team: 'x' });
    await createSecret(stack.client, 'managed-false', 'value', { 'keyturn:managed': 'false' });
    const prefixOnly = await createSecret(stack.client, 'prefix-only', 'value', { 'keyturn:managed-by-hand': 'true' });
    await stack.client.send(new TagResourceCommand({ SecretId: prefixOnly.arn, Tags: [{ Key: 'other', Value: 'x' }] }));

    const secrets = await listManagedSecrets(stack.client);

    expect(secrets).toHaveLength(130);
    expect(new Set(secrets.map((s) => s.name)).has('unmanaged')).toBe(false);
    const seventh = secrets.find((s) => s.name === 'managed/6');
    expect(seventh).toMatchObject({ maxAgeSeconds: 7 * 86_400, rotationEnabled: false });
    expect(seventh?.rotatedAt).toBeInstanceOf(Date);
  });
});

describe('runFreshnessCheck', () => {
  it('logs each overdue secret by name and publishes the gauges the overdue alarm watches', async () => {
    const { runFreshnessCheck } = await import('../../../functions/freshness-check/run-freshness-check');
    await createSecret(stack.client, 'stale/one', 'value', {
      'keyturn:managed': 'true',
      'keyturn:max-age-seconds': '60',
    });
    const { logger, metrics, lines, gauges } = recordedObservability();

    // An hour later, the 60-second bound is long past for stale/one.
    const summary = await runFreshnessCheck({
      client: stack.client,
      logger,
      metrics,
      now: () => new Date(Date.now() + 3_600_000),
    });

    expect(summary.overdue).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(lines.filter((line) => line.level === 'warn'))).toContain('stale/one');
    expect(gauges.get('SecretsOverdue')).toBe(summary.overdue);
    expect(gauges.get('OldestSecretAgePercent')).toBeGreaterThan(100);
  });
});
