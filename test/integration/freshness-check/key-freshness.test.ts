import {
  CreateAliasCommand,
  CreateKeyCommand,
  KMSClient,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { runFreshnessCheck } from '../../../functions/freshness-check/run-freshness-check';
import { createKmsKeyAgeReader } from '../../../functions/freshness-check/key-reader';
import type { MonitoredKey } from '../../../functions/freshness-check/monitored-keys';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { recordedObservability } from '../../support/recorded-observability';

/**
 * The freshness check's reading of KMS keys through the real SDK against keyturn's local KMS: a key KMS rotated, a
 * key that never rotated, a key keyturn replaced behind its alias, a key pending deletion, a key the role may not
 * read (an injected AccessDeniedException: the local KMS evaluates no policies) and an alias that does not exist.
 */

const DAY_MS = 86_400_000;
const BOUND = 91 * 86_400;

let stack: LocalStack;
let kms: KMSClient;

beforeAll(async () => {
  stack = await startLocalStack({ kms: true });
  kms = new KMSClient({});
});
afterAll(async () => {
  await stack.stop();
});

async function keyWithAlias(alias: string, spec: 'SYMMETRIC_DEFAULT' | 'HMAC_256' = 'SYMMETRIC_DEFAULT') {
  const created = await kms.send(
    new CreateKeyCommand({
      KeySpec: spec,
      KeyUsage: spec === 'HMAC_256' ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT',
    }),
  );
  const arn = created.KeyMetadata?.Arn;
  if (!arn) throw new Error('no key');
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }));
  return arn;
}

it('judges each key by its last rotation, follows aliases to replacements, and reports what it cannot read', async () => {
  // GIVEN keys made 110 days ago (the local KMS clock), of which some rotated or were replaced 10 days ago
  const local = stack.kms;
  if (!local) throw new Error('no local KMS');
  const rotatedArn = await keyWithAlias('alias/rotated');
  await keyWithAlias('alias/never-rotated');
  const firstMacArn = await keyWithAlias('alias/webhook-mac', 'HMAC_256');
  const doomedArn = await keyWithAlias('alias/doomed');
  await keyWithAlias('alias/denied');
  local.advanceClock(100 * DAY_MS);
  await kms.send(new RotateKeyOnDemandCommand({ KeyId: rotatedArn }));
  const replacement = await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
  await kms.send(new UpdateAliasCommand({ AliasName: 'alias/webhook-mac', TargetKeyId: replacement.KeyMetadata?.Arn }));
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomedArn, PendingWindowInDays: 30 }));
  local.advanceClock(10 * DAY_MS);
  // and KMS refusing the first DescribeKey (the role's grant missing for that key)
  local.faults.failNext('DescribeKey', 'AccessDeniedException', 1);
  const watched = (entryId: string, keyRef: string): MonitoredKey => ({ entryId, keyRef, maxAgeSeconds: BOUND });
  const keys = [
    watched('denied-key', 'alias/denied'),
    watched('rotated-key', 'alias/rotated'),
    watched('never-rotated-key', 'alias/never-rotated'),
    watched('webhook-mac-key', 'alias/webhook-mac'),
    watched('first-mac-by-arn', firstMacArn),
    watched('doomed-key', 'alias/doomed'),
    watched('missing-key', 'alias/missing'),
  ];
  const operations = new Set<string>();
  const unsubscribe = local.subscribe((call) => operations.add(call.operation));
  const { logger, metrics, lines, gauges } = recordedObservability();

  // WHEN the freshness check runs at the local KMS's time
  const summary = await runFreshnessCheck({
    client: stack.client,
    logger,
    metrics,
    keys: { reader: createKmsKeyAgeReader(kms), load: () => keys },
    now: () => local.now(),
  });
  unsubscribe();
  const warnings = lines.filter((line) => line.level === 'warn');

  // THEN the key never rotated and the first generation (by ARN) are overdue; the rotated key and the replacement
  // the alias points at now are fresh
  const named = (message: string) =>
    warnings.filter((w) => w.message === message).map((w) => w.fields.entryId as string);
  expect(named('KMS key is overdue for rotation').sort()).toEqual(['first-mac-by-arn', 'never-rotated-key']);
  expect(warnings.find((w) => w.fields.entryId === 'never-rotated-key')?.fields.ageSeconds).toBe(110 * 86_400);
  // AND the unreadable, pending-deletion and missing keys are reported by entry id, with what KMS said
  const unchecked = warnings.filter((w) => w.message === 'KMS key could not be checked').map((w) => w.fields);
  expect(unchecked).toEqual([
    { entryId: 'denied-key', keyRef: 'alias/denied', reason: 'AccessDeniedException' },
    expect.objectContaining({
      entryId: 'doomed-key',
      reason: expect.stringContaining(`${doomedArn} is PendingDeletion`) as string,
    }),
    { entryId: 'missing-key', keyRef: 'alias/missing', reason: 'NotFoundException' },
  ]);
  expect(summary.keys).toEqual({ monitored: 7, overdue: 2, unchecked: 3 });
  expect(gauges.get('KeysOverdue')).toBe(2);
  expect(gauges.get('KeysUnchecked')).toBe(3);
  // AND the check only read keys: DescribeKey and ListKeyRotations, nothing else
  expect([...operations].sort()).toEqual(['DescribeKey', 'ListKeyRotations']);
});
