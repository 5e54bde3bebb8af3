import { Metrics } from '@aws-lambda-powertools/metrics';
import type { AuditEntry } from '../../../functions/shared/audit';
import { METRICS_NAMESPACE, MetricService } from '../../../functions/shared/metric-names';
import { recordKmsEvent, asKmsEvent } from '../../../functions/kms-key/kms-events';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { captureEmf } from '../../support/emf';

/**
 * KMS's own EventBridge events (a key's material rotated, a key deleted) become keyturn audit events on the
 * audit bus and metrics: the kms-key function's second job, through its real handler and the local EventBridge.
 */

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const rotationEvent = (rotationType: string) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'KMS CMK Rotation',
  source: 'aws.kms',
  account: '123456789012',
  time: '2026-12-07T03:11:54Z',
  region: 'us-east-1',
  resources: [KEY_ARN],
  detail: {
    'key-id': '1234abcd-12ab-34cd-56ef-1234567890ab',
    'key-origin': 'AWS_KMS',
    'rotation-type': rotationType,
    'previous-key-material-id': 'a'.repeat(64),
    'current-key-material-id': 'b'.repeat(64),
  },
});

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ kms: true });
});
afterAll(async () => {
  await stack.stop();
});

it('a rotation and a deletion reach the audit bus as KmsKeyMaterialRotated and KmsKeyDeleted', async () => {
  const { handler } = await import('../../../functions/kms-key/handler');
  await expect(handler(rotationEvent('AUTOMATIC'))).resolves.toEqual({ recorded: 'KmsKeyMaterialRotated' });
  await expect(
    handler({ ...rotationEvent('AUTOMATIC'), 'detail-type': 'KMS CMK Deletion', detail: { 'key-id': 'x' } }),
  ).resolves.toEqual({ recorded: 'KmsKeyDeleted' });
  const audit = stack.eventBridge.events().filter((event) => event.busName === stack.auditBusName);
  expect(audit.map((event) => event.detailType)).toEqual(['KmsKeyMaterialRotated', 'KmsKeyDeleted']);
  expect(audit[0]?.detail).toMatchObject({
    keyId: KEY_ARN,
    rotationType: 'AUTOMATIC',
    previousKeyMaterialId: 'a'.repeat(64),
    currentKeyMaterialId: 'b'.repeat(64),
    at: '2026-12-07T03:11:54Z',
  });
});

it('counts rotations, by rotation type too', async () => {
  const written: AuditEntry[] = [];
  const audit = {
    write: (...entries: AuditEntry[]) => {
      written.push(...entries);
      return Promise.resolve();
    },
  };
  const event = asKmsEvent(rotationEvent('ON_DEMAND'));
  if (!event) throw new Error('a KMS rotation event was not recognised');
  const docs = await captureEmf(async () => {
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: MetricService.KmsKey });
    await recordKmsEvent(event, { audit, metrics });
    metrics.publishStoredMetrics();
  });
  const dimensions = docs.flatMap((doc) => doc._aws.CloudWatchMetrics.flatMap((m) => m.Dimensions));
  expect(docs.some((doc) => doc.KmsKeyMaterialRotations === 1)).toBe(true);
  expect(dimensions).toContainEqual(expect.arrayContaining(['RotationType']));
  expect(docs.find((doc) => doc.RotationType !== undefined)?.RotationType).toBe('ON_DEMAND');
  expect(written).toHaveLength(1);
});

it('events from elsewhere are not taken for KMS events', () => {
  expect(asKmsEvent({ ...rotationEvent('AUTOMATIC'), source: 'aws.secretsmanager' })).toBeUndefined();
  expect(asKmsEvent({ task: 'begin' })).toBeUndefined();
});
