import { parseRewrapEvent, parseRewrapRequest } from '../../../functions/kms-rewrap/input';

const valid = {
  tableName: 'wrapped-keys',
  key: { partition: 'tenant', sort: 'keyId' },
  ciphertextAttribute: 'wrappedKey',
  targetKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  allowedSourceKeyIds: [
    'alias/app-data-2025',
    '0987dcba-09fe-87dc-65ba-ab0987654321',
    'mrk-1234abcd12ab34cd56ef1234567890ab',
  ],
};

function failure(input: unknown): { name: string; message: string } {
  try {
    parseRewrapRequest(input);
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('parsed');
}

describe('the re-wrap request', () => {
  it('takes a table, its key names, the attribute, the target and the allowed sources; the rest is optional', () => {
    expect(parseRewrapRequest(valid)).toEqual(valid);
    const full = {
      ...valid,
      encryptionContext: { tenant: 'tenant' },
      quotaPerSecond: 50_000,
      fraction: 0.5,
      pageSize: 1000,
      segment: 3,
      totalSegments: 4,
      concurrency: 256,
    };
    expect(parseRewrapRequest(full)).toEqual(full);
  });

  it.each([
    [{ fraction: 0 }, 'fraction: must be more than 0 and at most 0.5'],
    [{ fraction: 0.51 }, 'fraction: must be more than 0 and at most 0.5'],
    [{ quotaPerSecond: -1 }, 'quotaPerSecond: must be more than 0'],
    [{ pageSize: 0 }, 'pageSize: must be at least 1'],
    [{ pageSize: 1001 }, 'pageSize: must be at most 1000'],
    [{ concurrency: 1.5 }, 'concurrency: expected int'],
    [{ allowedSourceKeyIds: [] }, 'allowedSourceKeyIds: must be at least 1'],
    [{ targetKeyId: 'my key' }, 'targetKeyId: must be a KMS key id, key ARN, alias name or alias ARN'],
    [{ tableName: 'ab' }, 'tableName: must be a DynamoDB table name'],
    [{ segment: 4, totalSegments: 4 }, 'segment must be below totalSegments'],
    [{ ciphertextAttribute: 'keyId' }, 'ciphertextAttribute must not be a key attribute'],
  ])('refuses %j by name, naming the field', (change, expected) => {
    expect(failure({ ...valid, ...change })).toEqual({
      name: 'InvalidRewrapRequestError',
      message: expect.stringContaining(expected) as unknown,
    });
  });

  it('never quotes the value it refuses', () => {
    const { message } = failure({ ...valid, targetKeyId: 'AQIDAHhBase64CiphertextLookingThing+/==' });
    expect(message).not.toContain('AQIDAHh');
  });
});

describe('the function events', () => {
  const checkpoint = {
    tableName: 'wrapped-keys',
    lastEvaluatedKey: { tenant: { S: 't1' }, keyId: { N: '7' } },
    scanComplete: false,
    counts: {
      scanned: 1,
      rewrapped: 1,
      alreadyCurrent: 0,
      skippedDeleted: 0,
      refused: 0,
      conflictsRetried: 0,
      throttled: 0,
    },
    startedAt: '2026-03-01T00:00:00.000Z',
    passStartedAt: '2026-03-01T00:00:00.000Z',
    pass: 1,
    targetKeyArn: valid.targetKeyId,
    targetKeyMaterialId: null,
    materialCheck: null,
    allowedSourceKeyIds: ['x'],
    refusedSample: [],
  };

  it('a slice: the request, `{}` or the last progress (only its checkpoint is kept), the job id', () => {
    expect(parseRewrapEvent({ task: 'slice', request: valid, progress: {}, jobId: 'job-1' })).toEqual({
      task: 'slice',
      request: valid,
      checkpoint: undefined,
      jobId: 'job-1',
    });
    const resumed = parseRewrapEvent({
      task: 'slice',
      request: valid,
      progress: { done: false, checkpoint, estimate: { itemsRemaining: 1 } },
      jobId: 'job-1',
    });
    expect(resumed).toMatchObject({ task: 'slice', checkpoint });
  });

  it('a failure report reads the request loosely (the failure may be that it is invalid)', () => {
    expect(
      parseRewrapEvent({
        task: 'report-failure',
        request: { tableName: 'wrapped-keys', fraction: 9 },
        progress: {},
        jobId: 'job-1',
        failure: { Error: 'InvalidRewrapRequestError', Cause: 'invalid re-wrap request (fraction: ...)' },
      }),
    ).toEqual({
      task: 'report-failure',
      tableName: 'wrapped-keys',
      checkpoint: undefined,
      jobId: 'job-1',
      error: 'InvalidRewrapRequestError',
      cause: 'invalid re-wrap request (fraction: ...)',
    });
  });

  it('anything else is InvalidRewrapRequestError', () => {
    expect(() => parseRewrapEvent({ task: 'begin' })).toThrow(
      expect.objectContaining({ name: 'InvalidRewrapRequestError' }) as Error,
    );
    expect(() =>
      parseRewrapEvent({ task: 'slice', request: valid, progress: { checkpoint: { pass: 0 } }, jobId: 'j' }),
    ).toThrow(expect.objectContaining({ name: 'InvalidRewrapRequestError' }) as Error);
  });
});
