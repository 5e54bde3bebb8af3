/**
 * The local CloudTrail fed by the local KMS (`followKms`), through the real
 * @aws-sdk/client-cloudtrail and @aws-sdk/client-kms: every call the KMS answers, accepted or
 * refused, is a `kms.amazonaws.com` event naming its keys as `AWS::KMS::Key` resources, so a
 * LookupEvents by ResourceName = key ARN finds it; a refused call carries `errorCode` and
 * `errorMessage` in its record (what keyturn's disabled-key canary reads); and no record holds a
 * plaintext, ciphertext, data key, signature or MAC. One fake clock drives both emulators.
 */
import {
  CloudTrailClient,
  LookupEventsCommand,
  paginateLookupEvents,
  type Event,
  type LookupAttributeKey,
} from '@aws-sdk/client-cloudtrail';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  GetKeyLastUsageCommand,
  KMSClient,
  ReEncryptCommand,
  SignCommand,
} from '@aws-sdk/client-kms';
import { startLocalCloudTrail, type LocalCloudTrail } from '../../../local/cloudtrail';
import { startLocalKms, type LocalKms } from '../../../local/kms';
import { rejectionOf } from '../../support/kms';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const ACCESS_KEY_ID = 'AKIAKEYTURNKMSTRAIL1';
const CANARY_AGENT = 'keyturn-canary/1';

/** The fake clock, in epoch ms; starts 400 ms into a second (event times keep whole seconds). */
let clockMs = Date.UTC(2030, 4, 2, 10, 0, 0) + 400;
const now = () => new Date(clockMs);
const advance = (ms: number) => {
  clockMs += ms;
};

let kms: LocalKms;
let trail: LocalCloudTrail;
let client: KMSClient;
let cloudTrail: CloudTrailClient;

beforeAll(async () => {
  kms = await startLocalKms({ region: REGION, accountId: ACCOUNT, now });
  trail = await startLocalCloudTrail({ region: REGION, accountId: ACCOUNT, now, lookupEventsPerSecond: 0 });
  trail.followKms(kms);
  client = new KMSClient({
    endpoint: kms.endpoint,
    region: REGION,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: 'keyturn-local-kms-trail-test' },
    maxAttempts: 1,
    customUserAgent: CANARY_AGENT,
  });
  cloudTrail = new CloudTrailClient({
    endpoint: trail.endpoint,
    region: REGION,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: 'keyturn-local-kms-trail-test' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  cloudTrail.destroy();
  await trail.stop();
  await kms.stop();
});

async function newKey(KeySpec: 'SYMMETRIC_DEFAULT' | 'ECC_NIST_P256' | 'HMAC_256' = 'SYMMETRIC_DEFAULT') {
  const KeyUsage =
    KeySpec === 'ECC_NIST_P256' ? 'SIGN_VERIFY' : KeySpec === 'HMAC_256' ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT';
  const out = await client.send(new CreateKeyCommand({ KeySpec, KeyUsage }));
  return { keyId: out.KeyMetadata?.KeyId ?? '', arn: out.KeyMetadata?.Arn ?? '' };
}

async function lookup(key: LookupAttributeKey, value: string): Promise<Event[]> {
  const out = await cloudTrail.send(
    new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: key, AttributeValue: value }] }),
  );
  return out.Events ?? [];
}

const recordOf = (event: Event | undefined): Record<string, unknown> =>
  JSON.parse(event?.CloudTrailEvent ?? '{}') as Record<string, unknown>;

test('LookupEvents by ResourceName = key ARN finds its calls, newest first; a refused call carries its errorCode', async () => {
  const { keyId, arn } = await newKey();
  advance(1_000);
  const encrypted = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('canary') }));
  advance(1_000);
  await client.send(new DisableKeyCommand({ KeyId: keyId }));
  advance(1_000);
  let refusedRequestId: string | undefined;
  try {
    await client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }));
  } catch (error) {
    expect((error as Error).name).toBe('DisabledException');
    refusedRequestId = (error as { $metadata?: { requestId?: string } }).$metadata?.requestId;
  }
  expect(refusedRequestId).toEqual(expect.any(String));

  const events = await lookup('ResourceName', arn);
  expect(events.map((event) => [event.EventName, event.ReadOnly])).toEqual([
    ['Decrypt', 'true'],
    ['DisableKey', 'false'],
    ['Encrypt', 'true'],
    ['CreateKey', 'false'],
  ]);
  for (const event of events) {
    expect(event).toMatchObject({
      EventSource: 'kms.amazonaws.com',
      AccessKeyId: ACCESS_KEY_ID,
      Username: 'keyturn-local',
      Resources: [{ ResourceType: 'AWS::KMS::Key', ResourceName: arn }],
    });
  }

  const refused = recordOf(events[0]);
  expect(refused).toMatchObject({
    eventSource: 'kms.amazonaws.com',
    eventName: 'Decrypt',
    awsRegion: REGION,
    eventTime: new Date(Math.floor(clockMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    errorCode: 'DisabledException',
    errorMessage: `${arn} is disabled.`,
    requestID: refusedRequestId,
    readOnly: true,
    resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: arn }],
    userIdentity: { type: 'IAMUser', accountId: ACCOUNT, accessKeyId: ACCESS_KEY_ID, userName: 'keyturn-local' },
    recipientAccountId: ACCOUNT,
    requestParameters: null,
    responseElements: null,
  });
  expect(refused.userAgent).toEqual(expect.stringContaining(CANARY_AGENT));
  expect(events.slice(1).map((event) => recordOf(event).errorCode)).toEqual([undefined, undefined, undefined]);

  // GetKeyLastUsage's CloudTrailEventId is the event of the last successful use: the Encrypt.
  const { KeyLastUsage } = await client.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
  expect(KeyLastUsage?.CloudTrailEventId).toBe(events[2]?.EventId);
  expect(await lookup('EventId', KeyLastUsage?.CloudTrailEventId ?? '')).toEqual([
    expect.objectContaining({ EventName: 'Encrypt' }),
  ]);
});

test('ReEncrypt names the source and the destination key, and is found by either', async () => {
  const source = await newKey();
  const destination = await newKey();
  const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: source.arn, Plaintext: Buffer.from('x') }));
  advance(1_000);
  await client.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: destination.keyId }));
  for (const key of [source, destination]) {
    const [latest] = await lookup('ResourceName', key.arn);
    expect(latest?.EventName).toBe('ReEncrypt');
    expect(latest?.Resources?.map((resource) => resource.ResourceName)).toEqual([source.arn, destination.arn]);
  }
});

test('a call naming a key that does not exist is an event without resources', async () => {
  const missing = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
  expect((await rejectionOf(client.send(new DescribeKeyCommand({ KeyId: missing })))).name).toBe('NotFoundException');
  expect(await lookup('ResourceName', missing)).toEqual([]);
  const [describe] = (await lookup('EventName', 'DescribeKey')).filter(
    (event) => recordOf(event).errorCode === 'NotFoundException',
  );
  expect(describe?.Resources).toEqual([]);
  expect(recordOf(describe).resources).toEqual([]);
});

test('no event holds a plaintext, ciphertext, data key, signature or MAC', async () => {
  const symmetric = await newKey();
  const signing = await newKey('ECC_NIST_P256');
  const mac = await newKey('HMAC_256');
  const plaintext = Buffer.from('a plaintext that must stay out of the trail');
  const encrypted = await client.send(new EncryptCommand({ KeyId: symmetric.keyId, Plaintext: plaintext }));
  const decrypted = await client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }));
  const dataKey = await client.send(new GenerateDataKeyCommand({ KeyId: symmetric.keyId, KeySpec: 'AES_256' }));
  const signed = await client.send(
    new SignCommand({ KeyId: signing.keyId, Message: plaintext, SigningAlgorithm: 'ECDSA_SHA_256' }),
  );
  const generated = await client.send(
    new GenerateMacCommand({ KeyId: mac.keyId, Message: plaintext, MacAlgorithm: 'HMAC_SHA_256' }),
  );
  expect(Buffer.from(decrypted.Plaintext ?? []).equals(plaintext)).toBe(true);

  const everything: Event[] = [];
  for await (const page of paginateLookupEvents({ client: cloudTrail }, {})) everything.push(...(page.Events ?? []));
  expect(everything.length).toBeGreaterThanOrEqual(8);
  const text = JSON.stringify([everything, trail.events()]);
  const base64 = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('base64');
  const secrets = [
    plaintext.toString('utf8'),
    plaintext.toString('base64'),
    base64(encrypted.CiphertextBlob),
    base64(dataKey.Plaintext),
    base64(dataKey.CiphertextBlob),
    base64(signed.Signature),
    base64(generated.Mac),
  ];
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(16);
    expect(text).not.toContain(secret);
  }
});

test('calls of a KMS in another Region are not in this event history', async () => {
  const elsewhere = await startLocalKms({ region: 'eu-west-1', accountId: ACCOUNT, now });
  const stopFollowing = trail.followKms(elsewhere);
  const otherClient = new KMSClient({
    endpoint: elsewhere.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAKEYTURNELSEWHERE', secretAccessKey: 'keyturn-local' },
    maxAttempts: 1,
  });
  try {
    await otherClient.send(new CreateKeyCommand({}));
    expect(await lookup('AccessKeyId', 'AKIAKEYTURNELSEWHERE')).toEqual([]);
  } finally {
    stopFollowing();
    otherClient.destroy();
    await elsewhere.stop();
  }
});
