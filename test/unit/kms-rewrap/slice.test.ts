import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient, ReEncryptCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { ZERO_COUNTS } from '../../../functions/kms-rewrap/checkpoint';
import type { RewrapCheckpoint, RewrapRequest } from '../../../functions/kms-rewrap/contract';
import { runRewrapSlice } from '../../../functions/kms-rewrap/slice';
import { deadlineIn } from '../../../functions/shared/deadline';
import { RewrapMetric } from '../../../functions/shared/metric-names';
import { captureEmf } from '../../support/emf';

/**
 * A slice over a mocked table and KMS: what moto cannot show. AWS KMS reports key material, so the job pins
 * the target's current material and, when it changes under the job (a rotation mid-job), starts the scan
 * over; the progress metrics go out in the keyturn namespace.
 */

const dynamodb = mockClient(DynamoDBClient);
const kms = mockClient(KMSClient);
const TARGET = 'arn:aws:kms:us-east-1:123456789012:key/target-key';
const OLD = 'arn:aws:kms:us-east-1:123456789012:key/old-key';
const request: RewrapRequest = {
  tableName: 'wrapped-keys',
  key: { partition: 'id' },
  ciphertextAttribute: 'wrappedKey',
  targetKeyId: 'alias/target',
  allowedSourceKeyIds: [OLD],
  concurrency: 1,
};
const items: Record<string, AttributeValue>[] = [1, 2, 3].map((i) => ({
  id: { S: `item-${i}` },
  wrappedKey: { B: Uint8Array.from([i]) },
}));
const audit = {
  events: [] as string[],
  record: jest.fn((type: string) => Promise.resolve(void audit.events.push(type))),
};

function deps() {
  return {
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    kms: new KMSClient({ region: 'us-east-1' }),
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'keyturn', serviceName: 'keyturn-lifecycle' }),
    audit,
    deadline: deadlineIn(600_000),
  };
}

beforeEach(() => {
  dynamodb.reset();
  kms.reset();
  audit.events.length = 0;
  dynamodb.on(DescribeTableCommand).resolves({
    Table: {
      TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/wrapped-keys',
      ItemCount: 3,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    },
  });
  dynamodb.on(ScanCommand).resolves({ Items: items });
  dynamodb.on(UpdateItemCommand).resolves({});
  kms.on(DescribeKeyCommand, { KeyId: 'alias/target' }).resolves({
    KeyMetadata: {
      KeyId: 'target-key',
      Arn: TARGET,
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
    },
  });
});

const reEncrypted = (destinationMaterial: string) => ({
  CiphertextBlob: Uint8Array.from([9]),
  SourceKeyId: OLD,
  KeyId: TARGET,
  SourceKeyMaterialId: 'old-material',
  DestinationKeyMaterialId: destinationMaterial,
});

test('the first slice resolves the target, pins its current material and checks items by material', async () => {
  kms.on(ReEncryptCommand).resolves(reEncrypted('m1'));
  const progress = await runRewrapSlice({ task: 'slice', request, jobId: 'job' }, deps());
  expect(progress).toMatchObject({
    done: true,
    itemsRefused: false,
    checkpoint: {
      targetKeyArn: TARGET,
      targetKeyMaterialId: 'm1',
      materialCheck: 'key-material',
      counts: { ...ZERO_COUNTS, scanned: 3, rewrapped: 3 },
    },
    summary: { materialCheck: 'key-material', targetKeyMaterialId: 'm1', passes: 1 },
  });
  expect(kms.commandCalls(ReEncryptCommand).map((c) => c.args[0].input.DestinationKeyId)).toEqual([
    TARGET,
    TARGET,
    TARGET,
  ]);
  expect(audit.events).toEqual(['RewrapStarted', 'RewrapCompleted']);
});

test('the target key rotated under the job (new material): the scan starts over in a new pass', async () => {
  // GIVEN a job that pinned material m1 and is midway
  const checkpoint: RewrapCheckpoint = {
    tableName: 'wrapped-keys',
    lastEvaluatedKey: { id: { S: 'item-0' } },
    scanComplete: false,
    counts: { ...ZERO_COUNTS, scanned: 500, rewrapped: 500, throttled: 2 },
    startedAt: '2026-03-01T00:00:00.000Z',
    passStartedAt: '2026-03-01T00:00:00.000Z',
    pass: 1,
    targetKeyArn: TARGET,
    targetKeyMaterialId: 'm1',
    materialCheck: 'key-material',
    allowedSourceKeyIds: ['old-key'],
    refusedSample: [],
  };
  // WHEN KMS now re-wraps to material m2
  kms.on(ReEncryptCommand).resolves(reEncrypted('m2'));
  const progress = await runRewrapSlice({ task: 'slice', request, jobId: 'job', checkpoint }, deps());

  // THEN the job is not done: pass 2 from the start, m2 pinned, the event counts kept
  expect(progress).toMatchObject({
    done: false,
    checkpoint: {
      pass: 2,
      lastEvaluatedKey: null,
      scanComplete: false,
      targetKeyMaterialId: 'm2',
      counts: { ...ZERO_COUNTS, throttled: 2 },
    },
  });
  // ...and the next slice, at m2 throughout, finishes the pass
  const next = await runRewrapSlice({ task: 'slice', request, jobId: 'job', checkpoint: progress.checkpoint }, deps());
  expect(next).toMatchObject({ done: true, checkpoint: { pass: 2, counts: { scanned: 3, rewrapped: 3 } } });
});

test('progress goes out as EMF in the keyturn namespace, per table and in aggregate: counts and the estimate', async () => {
  kms.on(ReEncryptCommand).resolves(reEncrypted('m1'));
  const documents = await captureEmf(async () => {
    await runRewrapSlice({ task: 'slice', request, jobId: 'job' }, deps());
  });
  const progress = documents.find((d) =>
    d._aws.CloudWatchMetrics.some((m) => m.Metrics.some((x) => x.Name === RewrapMetric.ItemsProcessed)),
  );
  expect(progress?._aws.CloudWatchMetrics[0]).toMatchObject({
    Namespace: 'keyturn',
    Dimensions: expect.arrayContaining([['service', 'Table'], ['service']]) as unknown,
  });
  expect(progress).toMatchObject({
    Table: 'wrapped-keys',
    [RewrapMetric.ItemsProcessed]: 3,
    [RewrapMetric.ItemsRewrapped]: 3,
    [RewrapMetric.ItemsRemaining]: 0,
    [RewrapMetric.PercentComplete]: 100,
    [RewrapMetric.EstimatedSecondsLeft]: 0,
    [RewrapMetric.KmsThrottles]: 0,
  });
});

test('a function with a short timeout still makes progress: it keeps back a quarter of its time, not 20 s', async () => {
  kms.on(ReEncryptCommand).resolves(reEncrypted('m1'));
  const progress = await runRewrapSlice(
    { task: 'slice', request, jobId: 'job' },
    { ...deps(), deadline: deadlineIn(8_000) },
  );
  expect(progress).toMatchObject({ done: true, checkpoint: { counts: { scanned: 3, rewrapped: 3 } } });
});
