import {
  addCounts,
  fromCheckpointKey,
  initialCheckpoint,
  nextPass,
  toCheckpointKey,
  withRefused,
  ZERO_COUNTS,
} from '../../../functions/kms-rewrap/checkpoint';
import { REFUSED_SAMPLE_SIZE } from '../../../functions/kms-rewrap/contract';

describe('the checkpoint', () => {
  it('holds DynamoDB keys as JSON (binary parts in base64) and gives them back as they were', () => {
    const key = { pk: { S: 'tenant#7' }, sk: { N: '42' } };
    expect(toCheckpointKey(key)).toEqual(key);
    const binary = { id: { B: Uint8Array.from([0, 1, 254, 255]) } };
    const json = toCheckpointKey(binary);
    expect(json).toEqual({ id: { B: 'AAH+/w==' } });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(Buffer.from(fromCheckpointKey(json).id?.B ?? [])).toEqual(Buffer.from([0, 1, 254, 255]));
  });

  it('refuses a key part that is not a string, number or binary', () => {
    expect(() => toCheckpointKey({ id: { BOOL: true } })).toThrow(
      expect.objectContaining({ name: 'InvalidRewrapRequestError' }) as Error,
    );
  });

  it('adds counts field by field', () => {
    const a = { ...ZERO_COUNTS, scanned: 3, rewrapped: 2, alreadyCurrent: 1, throttled: 4 };
    expect(addCounts(a, { scanned: 2, refused: 1, skippedDeleted: 1, conflictsRetried: 5 })).toEqual({
      scanned: 5,
      rewrapped: 2,
      alreadyCurrent: 1,
      skippedDeleted: 1,
      refused: 1,
      conflictsRetried: 5,
      throttled: 4,
    });
  });

  it('keeps only the first refused items', () => {
    const refused = (n: number) => ({ key: { id: { S: `item-${n}` } }, error: 'SourceKeyNotAllowedError' });
    const first = withRefused(
      [],
      Array.from({ length: 15 }, (_, i) => refused(i)),
    );
    const sample = withRefused(
      first,
      Array.from({ length: 15 }, (_, i) => refused(15 + i)),
    );
    expect(sample).toHaveLength(REFUSED_SAMPLE_SIZE);
    expect(sample[0]).toEqual(refused(0));
    expect(sample.at(-1)).toEqual(refused(REFUSED_SAMPLE_SIZE - 1));
  });

  it("starts empty with the job's keys pinned; a new pass starts the scan over and keeps the event counts", () => {
    const start = initialCheckpoint(
      { tableName: 't1', targetKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/new', allowedSourceKeyIds: ['old'] },
      new Date('2026-03-01T00:00:00Z'),
    );
    expect(start).toMatchObject({
      lastEvaluatedKey: null,
      scanComplete: false,
      counts: ZERO_COUNTS,
      pass: 1,
      targetKeyMaterialId: null,
      materialCheck: null,
      startedAt: '2026-03-01T00:00:00.000Z',
    });
    const midway = {
      ...start,
      lastEvaluatedKey: { id: { S: 'item-9' } },
      counts: { ...ZERO_COUNTS, scanned: 10, rewrapped: 10, conflictsRetried: 2, throttled: 3 },
      targetKeyMaterialId: 'm1',
      materialCheck: 'key-material' as const,
    };
    expect(nextPass(midway, 'm2', new Date('2026-03-01T01:00:00Z'))).toEqual({
      ...midway,
      lastEvaluatedKey: null,
      counts: { ...ZERO_COUNTS, conflictsRetried: 2, throttled: 3 },
      pass: 2,
      passStartedAt: '2026-03-01T01:00:00.000Z',
      targetKeyMaterialId: 'm2',
      refusedSample: [],
    });
  });
});
