import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { runFreshnessCheck } from '../../../functions/freshness-check/run-freshness-check';
import type { KeyAgeReader } from '../../../functions/freshness-check/key-reader';
import type { MonitoredKey } from '../../../functions/freshness-check/monitored-keys';
import { recordedObservability } from '../../support/recorded-observability';

const now = new Date('2026-06-01T00:00:00Z');
const DAY_MS = 86_400_000;
const sm = mockClient(SecretsManagerClient);

const keys: MonitoredKey[] = [
  { entryId: 'fresh-key', keyRef: 'alias/fresh', maxAgeSeconds: 91 * 86_400 },
  { entryId: 'stale-key', keyRef: 'alias/stale', maxAgeSeconds: 91 * 86_400 },
  { entryId: 'denied-key', keyRef: 'alias/denied', maxAgeSeconds: 91 * 86_400 },
];

/** Reads fresh-key (10 days) and stale-key (100 days); KMS refuses denied-key. */
const reader: KeyAgeReader = {
  read: (key) => {
    if (key.entryId === 'denied-key') {
      return Promise.reject(Object.assign(new Error('refused'), { name: 'AccessDeniedException' }));
    }
    const days = key.entryId === 'fresh-key' ? 10 : 100;
    return Promise.resolve({
      key,
      status: 'read',
      keyArn: `arn:aws:kms:eu-west-1:111122223333:key/${key.entryId}`,
      keyState: 'Enabled',
      creationDate: new Date(now.getTime() - days * DAY_MS),
    });
  },
};

afterEach(() => {
  sm.reset();
  jest.restoreAllMocks();
});

describe('runFreshnessCheck with the policy keys', () => {
  it('logs the overdue and the unreadable key by entry id, and publishes the key gauges beside the secrets', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });
    const { lines, logger, metrics, gauges, published } = recordedObservability();

    const summary = await runFreshnessCheck({
      client: new SecretsManagerClient({}),
      logger,
      metrics,
      keys: { reader, load: () => keys },
      now: () => now,
    });

    expect(summary.keys).toEqual({ monitored: 3, overdue: 1, unchecked: 1 });
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings[0]?.message).toBe('KMS key is overdue for rotation');
    expect(warnings[0]?.fields).toMatchObject({ entryId: 'stale-key', ageSeconds: 100 * 86_400 });
    expect(warnings.slice(1)).toEqual([
      {
        level: 'warn',
        message: 'KMS key could not be checked',
        fields: { entryId: 'denied-key', keyRef: 'alias/denied', reason: 'AccessDeniedException' },
      },
    ]);
    expect(gauges.get('OldestKeyAgePercent')).toBeCloseTo((100 / 91) * 100, 1);
    gauges.delete('OldestKeyAgePercent');
    expect(Object.fromEntries(gauges)).toEqual({
      KeysOverdue: 1,
      KeysUnchecked: 1,
      SecretsOverdue: 0,
      OldestSecretAgePercent: 0,
      // the inventory's gauges, 0 with no secrets at all
      SecretsStuckPending: 0,
      SecretsRotationDisabled: 0,
      UnmanagedTaggedSecrets: 0,
      PolicySecretsMissing: 0,
      ManagedSecretsNotInPolicy: 0,
      ReplicasOutOfSync: 0,
      SecretsUnreadable: 0,
    });
    expect(published).toHaveBeenCalledTimes(1);
  });

  it('still publishes the key gauges when listing the secrets fails (the run fails, loudly)', async () => {
    sm.on(ListSecretsCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServiceError' }));
    const { logger, metrics, gauges, published } = recordedObservability();

    await expect(
      runFreshnessCheck({
        client: new SecretsManagerClient({}),
        logger,
        metrics,
        keys: { reader, load: () => keys },
        now: () => now,
      }),
    ).rejects.toThrow('down');

    expect(gauges.get('KeysOverdue')).toBe(1);
    expect(gauges.has('SecretsOverdue')).toBe(false);
    expect(published).toHaveBeenCalledTimes(1);
  });

  it('counts a key list it cannot load as one unchecked key, and still checks the secrets', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });
    const { lines, logger, metrics, gauges } = recordedObservability();

    const summary = await runFreshnessCheck({
      client: new SecretsManagerClient({}),
      logger,
      metrics,
      keys: {
        reader,
        load: () => {
          throw new Error('KEYTURN_FRESHNESS_KEYS is not valid JSON');
        },
      },
      now: () => now,
    });

    expect(summary.keys).toEqual({ monitored: 0, overdue: 0, unchecked: 1 });
    expect(gauges.get('KeysUnchecked')).toBe(1);
    expect(gauges.get('SecretsOverdue')).toBe(0);
    expect(lines).toContainEqual({
      level: 'error',
      message: 'the KMS keys to check could not be loaded',
      fields: { error: 'KEYTURN_FRESHNESS_KEYS is not valid JSON' },
    });
  });

  it('publishes the key gauges as 0 for a policy without keys', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });
    const { logger, metrics, gauges } = recordedObservability();

    await runFreshnessCheck({ client: new SecretsManagerClient({}), logger, metrics, now: () => now });

    expect(gauges.get('KeysOverdue')).toBe(0);
    expect(gauges.get('KeysUnchecked')).toBe(0);
  });
});
