/**
 * The local KMS's knobs, through the real @aws-sdk/client-kms: the shared symmetric
 * cryptographic quota (ThrottlingException past it, counted per second of the injected clock,
 * so the observed rate can be read), fault injection (a call fails, or hangs until the client
 * gives up), the /_keyturn/ control surface, and startLocalStack({ kms: true }).
 */
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateRandomCommand,
  KMSClient,
  ListKeysCommand,
  RotateKeyOnDemandCommand,
  type KMSClient as KmsClientType,
} from '@aws-sdk/client-kms';
import { startLocalKms, type LocalKms } from '../../../local/kms';
import { kmsClient, rejectionOf } from '../../support/kms';

const START_MS = Date.UTC(2030, 5, 1, 8, 0, 0);

let kms: LocalKms;
let client: KmsClientType;
let clockMs = START_MS;
let keyId: string;

beforeAll(async () => {
  kms = await startLocalKms({ now: () => new Date(clockMs) });
  client = kmsClient(kms.endpoint);
  keyId = (await client.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
});
afterAll(async () => {
  client.destroy();
  await kms.stop();
});
afterEach(() => {
  kms.faults.clear();
  kms.setCryptoRequestsPerSecond(0);
  kms.resetCryptoRequestStats();
});

const encrypt = () => client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));

describe('the shared cryptographic request quota', () => {
  test('past N requests in a second, cryptographic calls are throttled; the next second admits again', async () => {
    kms.setCryptoRequestsPerSecond(5);
    for (let call = 0; call < 5; call += 1)
      await (call % 2 ? encrypt() : client.send(new GenerateRandomCommand({ NumberOfBytes: 8 })));
    const throttled = await rejectionOf(encrypt());
    expect(throttled).toMatchObject({ name: 'ThrottlingException', status: 400 });
    // Management calls have their own quotas: not this one.
    await expect(client.send(new DescribeKeyCommand({ KeyId: keyId }))).resolves.toBeDefined();
    clockMs += 1000;
    await expect(encrypt()).resolves.toBeDefined();
    const stats = kms.cryptoRequestStats();
    expect(stats).toMatchObject({ requestsPerSecond: 5, accepted: 6, throttled: 1, peakAcceptedPerSecond: 5 });
    expect(stats.seconds).toEqual([
      { second: START_MS / 1000, accepted: 5, throttled: 1 },
      { second: START_MS / 1000 + 1, accepted: 1, throttled: 0 },
    ]);
  });

  test('a client that retries throttled calls gets through once the clock refills the bucket', async () => {
    kms.setCryptoRequestsPerSecond(1);
    const retrying = kmsClient(kms.endpoint, { maxAttempts: 3 });
    try {
      await retrying.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('a') }));
      // Every retry of the next call is throttled while the clock stands still...
      expect(
        await rejectionOf(retrying.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('b') }))),
      ).toMatchObject({
        name: 'ThrottlingException',
      });
      expect(kms.cryptoRequestStats().throttled).toBe(3);
      clockMs += 1000;
      await expect(
        retrying.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('c') })),
      ).resolves.toBeDefined();
    } finally {
      retrying.destroy();
    }
  });

  test('with no quota (the default) nothing is throttled, and the observed rate is still counted', async () => {
    await Promise.all(Array.from({ length: 25 }, () => encrypt()));
    expect(kms.cryptoRequestStats()).toMatchObject({
      requestsPerSecond: 0,
      accepted: 25,
      throttled: 0,
      peakAcceptedPerSecond: 25,
    });
  });
});

describe('fault injection', () => {
  test('failNext: the next call fails with the named exception (default KMSInternalException, 500), then calls work', async () => {
    kms.faults.failNext('Encrypt');
    kms.faults.failNext('Decrypt', 'DependencyTimeoutException', 2);
    expect(kms.faults.pending()).toEqual([
      { operation: 'Encrypt', remaining: 1, exceptionName: 'KMSInternalException' },
      { operation: 'Decrypt', remaining: 2, exceptionName: 'DependencyTimeoutException' },
    ]);
    expect(await rejectionOf(encrypt())).toMatchObject({ name: 'KMSInternalException', status: 500 });
    await expect(encrypt()).resolves.toBeDefined();
    expect(kms.faults.pending()).toEqual([
      { operation: 'Decrypt', remaining: 2, exceptionName: 'DependencyTimeoutException' },
    ]);
    expect(() => {
      kms.faults.failNext('NoSuchOperation');
    }).toThrow(RangeError);
  });

  test('a failed call changes nothing', async () => {
    kms.faults.failNext('RotateKeyOnDemand', 'KMSInternalException');
    expect(await rejectionOf(client.send(new RotateKeyOnDemandCommand({ KeyId: keyId })))).toMatchObject({
      name: 'KMSInternalException',
    });
    expect(kms.keyMaterialIdsOf(keyId)).toHaveLength(1);
  });

  test('delayNext(Infinity) holds a call until the client times out; clear() lets held calls go on', async () => {
    const impatient = kmsClient(kms.endpoint, { requestTimeoutMs: 300 });
    try {
      kms.faults.delayNext('Encrypt', Infinity);
      const timedOut = await rejectionOf(
        impatient.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('h') })),
      );
      expect(timedOut.name).toBe('TimeoutError');
      kms.faults.clear();
      await expect(
        impatient.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('h') })),
      ).resolves.toBeDefined();
    } finally {
      impatient.destroy();
    }
  });

  test('a finite delay holds the call, then it runs', async () => {
    kms.faults.delayNext('ListKeys', 50);
    const { Keys } = await client.send(new ListKeysCommand({}));
    expect(Keys?.map((key) => key.KeyId)).toContain(keyId);
    expect(kms.faults.pending()).toEqual([]);
  });
});

describe('the /_keyturn/ control surface', () => {
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${kms.endpoint}/_keyturn/${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  test('keys show material ids and states, never material', async () => {
    const { status, body } = await control('GET', 'keys');
    expect(status).toBe(200);
    const keys = body.keys as Record<string, unknown>[];
    const key = keys.find((entry) => entry.keyId === keyId);
    expect(key).toMatchObject({
      keySpec: 'SYMMETRIC_DEFAULT',
      keyState: 'Enabled',
      keyMaterialIds: kms.keyMaterialIdsOf(keyId),
    });
    expect(Object.keys(key ?? {})).not.toContain('secret');
    expect(JSON.stringify(body)).not.toMatch(/secret|privateKey|hmacSecret/);
  });

  test('faults, the quota and the clock can be set from another process', async () => {
    expect((await control('POST', 'faults', { operation: 'Encrypt', code: 'ThrottlingException' })).status).toBe(200);
    expect(await rejectionOf(encrypt())).toMatchObject({ name: 'ThrottlingException' });
    expect((await control('POST', 'faults', { operation: 'NoSuch' })).status).toBe(400);

    await control('PUT', 'crypto-rate', { perSecond: 1 });
    await encrypt();
    expect(await rejectionOf(encrypt())).toMatchObject({ name: 'ThrottlingException' });
    const stats = await control('GET', 'crypto-requests');
    // The injected ThrottlingException came before the quota: only the real one is counted.
    expect(stats.body).toMatchObject({ requestsPerSecond: 1, accepted: 1, throttled: 1 });

    await client.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const before = clockMs;
    const advanced = await control('POST', 'clock/advance', { ms: 3_600_000 });
    expect(advanced.body.now).toBe(new Date(before + 3_600_000).toISOString());
    expect(kms.now().getTime()).toBe(clockMs + 3_600_000);
    expect((await control('GET', 'health')).body).toEqual({ status: 'ok' });
  });
});

describe('startLocalStack({ kms: true })', () => {
  test('an SDK client with no endpoint finds the local KMS through AWS_ENDPOINT_URL_KMS', async () => {
    const { startLocalStack } = await import('../../../local/stack');
    const stack = await startLocalStack({ kms: true });
    const defaultClient = new KMSClient({});
    try {
      expect(process.env.AWS_ENDPOINT_URL_KMS).toBe(stack.kms?.endpoint);
      const created = await defaultClient.send(new CreateKeyCommand({ Description: 'stack key' }));
      expect(stack.kms?.keys().map((key) => key.keyId)).toEqual([created.KeyMetadata?.KeyId]);
    } finally {
      defaultClient.destroy();
      await stack.stop();
    }
  });
});
