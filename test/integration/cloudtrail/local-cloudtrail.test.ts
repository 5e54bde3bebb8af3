/**
 * The local CloudTrail's event history through the real @aws-sdk/client-cloudtrail, fed by the
 * local IAM/STS (real @aws-sdk/client-iam and client-sts calls, verified by their signatures).
 * One fake clock drives both: the IAM stamps events with it and CloudTrail reads the 90-day
 * window, the delivery delay and the request rate from it; the IAM and STS clients are told the
 * clock's offset when made, so their signatures stay within the 15-minute window. Nothing waits
 * on real time.
 */
import {
  CloudTrailClient,
  LookupEventsCommand,
  paginateLookupEvents,
  type Event,
  type LookupAttributeKey,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import {
  CreateAccessKeyCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startLocalCloudTrail, type LocalCloudTrail } from '../../../local/cloudtrail';
import { startLocalIam, type AcceptedCall, type LocalIam, type LocalIamCredentials } from '../../../local/iam';

const REGION = 'us-east-1';
const OTHER_REGION = 'eu-west-1';
const OTHER_ACCOUNT = '210987654321';
const VERIFIER_AGENT = 'keyturn-verify/1';
const DAY_MS = 24 * 60 * 60 * 1000;

describe('local CloudTrail (LookupEvents), fed by the local IAM/STS', () => {
  let iam: LocalIam;
  let trail: LocalCloudTrail;
  /** The fake clock, in epoch ms; starts 400 ms into a second (event times keep whole seconds). */
  let clockMs = Math.floor(Date.now() / 1000) * 1000 + 400;
  const now = () => new Date(clockMs);
  const advance = (ms: number) => {
    clockMs += ms;
  };
  const clients: { destroy(): void }[] = [];
  const track = <Client extends { destroy(): void }>(client: Client): Client => {
    clients.push(client);
    return client;
  };
  const iamClient = (credentials: LocalIamCredentials, region = REGION) =>
    track(
      new IAMClient({
        endpoint: iam.iamEndpoint,
        region,
        credentials,
        maxAttempts: 1,
        systemClockOffset: clockMs - Date.now(),
        customUserAgent: VERIFIER_AGENT,
      }),
    );
  const stsClient = (credentials: LocalIamCredentials, region = REGION) =>
    track(
      new STSClient({
        endpoint: iam.stsEndpoint,
        region,
        credentials,
        maxAttempts: 1,
        systemClockOffset: clockMs - Date.now(),
        customUserAgent: VERIFIER_AGENT,
      }),
    );
  const cloudTrailClient = (target: LocalCloudTrail = trail, maxAttempts = 1) =>
    track(
      new CloudTrailClient({
        endpoint: target.endpoint,
        region: target.region,
        credentials: iam.adminCredentials,
        maxAttempts,
      }),
    );
  const lookup = (input: LookupEventsCommandInput, target: LocalCloudTrail = trail) =>
    cloudTrailClient(target).send(new LookupEventsCommand(input));
  const byAttribute = (key: LookupAttributeKey, value: string) => ({
    LookupAttributes: [{ AttributeKey: key, AttributeValue: value }],
  });
  /** Every event of one access key, through the API. */
  const eventsOfKey = async (accessKeyId: string, target: LocalCloudTrail = trail): Promise<Event[]> =>
    (await lookup(byAttribute('AccessKeyId', accessKeyId), target)).Events ?? [];
  const parsedRecord = (event: Event | undefined): Record<string, unknown> =>
    JSON.parse(event?.CloudTrailEvent ?? '{}') as Record<string, unknown>;

  let userCount = 0;
  /** A fresh user with one working key (a fixture: no API call, so no event). */
  const newUserWithKey = (accountId?: string) => {
    userCount += 1;
    const userName = `app-${userCount}`;
    iam.createUser(userName, accountId === undefined ? {} : { accountId });
    const key = iam.createAccessKey(userName, accountId === undefined ? {} : { accountId });
    return { userName, key };
  };

  beforeAll(async () => {
    iam = await startLocalIam({ region: REGION, now });
    // Throttling is on only where a test turns it on.
    trail = await startLocalCloudTrail({ region: REGION, accountId: iam.accountId, now, lookupEventsPerSecond: 0 });
    trail.follow(iam);
  });
  afterEach(() => {
    trail.faults.clear();
    trail.setDeliveryDelay(0);
    trail.setLookupEventsRate(0);
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await trail.stop();
    await iam.stop();
  });

  describe('events from the local IAM and STS', () => {
    test("a user's calls are found by AccessKeyId, newest first, with the user agent, and no secret anywhere", async () => {
      const { userName, key } = newUserWithKey();
      const user = iam.createUser('bystander');
      const callTimes: number[] = [];
      const call = async (send: () => Promise<unknown>) => {
        callTimes.push(clockMs);
        await send();
        advance(2_000);
      };
      await call(() => iamClient(key).send(new GetUserCommand({})));
      await call(() => iamClient(key).send(new ListAccessKeysCommand({})));
      await call(() => stsClient(key).send(new GetCallerIdentityCommand({})));
      // The user makes itself a second key: the answer holds its secret, the event must not.
      let created: LocalIamCredentials | undefined;
      await call(async () => {
        const out = await iamClient(key).send(new CreateAccessKeyCommand({}));
        created = {
          accessKeyId: out.AccessKey?.AccessKeyId ?? '',
          secretAccessKey: out.AccessKey?.SecretAccessKey ?? '',
        };
      });
      // Another key's calls are not this key's events.
      await iamClient(iam.adminCredentials).send(new GetUserCommand({ UserName: user.userName }));

      const response = await lookup(byAttribute('AccessKeyId', key.accessKeyId));
      const events = response.Events ?? [];
      expect(response.NextToken).toBeUndefined();
      expect(events.map((event) => [event.EventName, event.EventSource, event.ReadOnly])).toEqual([
        ['CreateAccessKey', 'iam.amazonaws.com', 'false'],
        ['GetCallerIdentity', 'sts.amazonaws.com', 'true'],
        ['ListAccessKeys', 'iam.amazonaws.com', 'true'],
        ['GetUser', 'iam.amazonaws.com', 'true'],
      ]);
      // Event times are the IAM's clock at the call, in whole seconds.
      expect(events.map((event) => event.EventTime?.getTime())).toEqual(
        callTimes.map((ms) => Math.floor(ms / 1000) * 1000).reverse(),
      );
      for (const event of events) {
        expect(event).toMatchObject({ AccessKeyId: key.accessKeyId, Username: userName, Resources: [] });
        const record = parsedRecord(event);
        expect(record).toMatchObject({
          eventID: event.EventId,
          eventName: event.EventName,
          eventSource: event.EventSource,
          eventTime: event.EventTime?.toISOString().replace('.000Z', 'Z'),
          awsRegion: REGION,
          userIdentity: {
            type: 'IAMUser',
            principalId: expect.stringMatching(/^AIDA[A-Z2-7]{17}$/) as string,
            arn: `arn:aws:iam::${iam.accountId}:user/${userName}`,
            accountId: iam.accountId,
            accessKeyId: key.accessKeyId,
            userName,
          },
          readOnly: event.ReadOnly === 'true',
          eventType: 'AwsApiCall',
          managementEvent: true,
          recipientAccountId: iam.accountId,
          eventCategory: 'Management',
          sourceIPAddress: '127.0.0.1',
        });
        // The verifier's own calls are recognisable by their user agent.
        expect(record.userAgent).toEqual(expect.stringContaining(VERIFIER_AGENT));
      }
      const text = JSON.stringify(response);
      for (const secret of [
        key.secretAccessKey,
        created?.secretAccessKey ?? 'unset',
        iam.adminCredentials.secretAccessKey,
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toMatch(/Signature=|AWS4-HMAC-SHA256/);
    });

    test("an assumed role's calls are the session's events (AssumedRole), and the token is never shown", async () => {
      const { userName, key } = newUserWithKey();
      const roleArn = iam.createRole({ roleName: 'keyturn-rotator' });
      const assumed = await stsClient(key).send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'rotation', DurationSeconds: 900 }),
      );
      const session = {
        accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
        secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
        sessionToken: assumed.Credentials?.SessionToken ?? '',
      };
      advance(1_000);
      await stsClient(session).send(new GetCallerIdentityCommand({}));

      const [assumeRole] = await eventsOfKey(key.accessKeyId);
      expect(assumeRole).toMatchObject({ EventName: 'AssumeRole', ReadOnly: 'false', Username: userName });
      const [whoAmI, ...rest] = await eventsOfKey(session.accessKeyId);
      expect(rest).toEqual([]);
      expect(whoAmI).toMatchObject({
        EventName: 'GetCallerIdentity',
        EventSource: 'sts.amazonaws.com',
        AccessKeyId: session.accessKeyId,
        Username: 'rotation',
      });
      expect(parsedRecord(whoAmI).userIdentity).toEqual({
        type: 'AssumedRole',
        principalId: expect.stringMatching(/^AROA[A-Z2-7]{17}:rotation$/) as string,
        arn: `arn:aws:sts::${iam.accountId}:assumed-role/keyturn-rotator/rotation`,
        accountId: iam.accountId,
        accessKeyId: session.accessKeyId,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: expect.stringMatching(/^AROA[A-Z2-7]{17}$/) as string,
            arn: roleArn,
            accountId: iam.accountId,
            userName: 'keyturn-rotator',
          },
          attributes: { mfaAuthenticated: 'false' },
        },
      });
      const text = JSON.stringify(trail.events());
      expect(text).not.toContain(session.sessionToken);
      expect(text).not.toContain(session.secretAccessKey);
      expect(text).not.toContain(key.secretAccessKey);
    });

    test('refused calls (wrong secret, inactive key) are not recorded', async () => {
      const { userName, key } = newUserWithKey();
      await iamClient(key).send(new GetUserCommand({}));
      advance(1_000);
      const wrongSecret = { accessKeyId: key.accessKeyId, secretAccessKey: `${key.secretAccessKey.slice(0, -1)}A` };
      await expect(stsClient(wrongSecret).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'SignatureDoesNotMatch',
      });
      await iamClient(iam.adminCredentials).send(
        new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: key.accessKeyId, Status: 'Inactive' }),
      );
      await expect(iamClient(key).send(new ListAccessKeysCommand({}))).rejects.toMatchObject({
        name: 'InvalidClientTokenId',
      });
      // The IAM saw three requests signed with the key and accepted one.
      expect(iam.authentications(key.accessKeyId).map((entry) => entry.outcome)).toEqual([
        'accepted',
        'SignatureDoesNotMatch',
        'InvalidClientTokenId',
      ]);
      expect((await eventsOfKey(key.accessKeyId)).map((event) => event.EventName)).toEqual(['GetUser']);
      // The deactivation is the admin's event, naming the admin's key.
      const latest = await lookup({ ...byAttribute('EventName', 'UpdateAccessKey'), MaxResults: 1 });
      expect(latest.Events).toEqual([
        expect.objectContaining({ AccessKeyId: iam.adminCredentials.accessKeyId, ReadOnly: 'false' }),
      ]);
    });

    test('the IAM listener hook reports accepted calls with non-secret fields only, until unsubscribed', async () => {
      const { key } = newUserWithKey();
      const calls: AcceptedCall[] = [];
      const unsubscribe = iam.subscribe((call) => calls.push(call));
      await stsClient(key, OTHER_REGION).send(new GetCallerIdentityCommand({}));
      unsubscribe();
      await stsClient(key).send(new GetCallerIdentityCommand({}));
      expect(calls).toHaveLength(1);
      const [call] = calls;
      expect(call).toMatchObject({
        service: 'sts',
        action: 'GetCallerIdentity',
        accessKeyId: key.accessKeyId,
        signingRegion: OTHER_REGION,
        identity: { type: 'IAMUser', accountId: iam.accountId },
        userAgent: expect.stringContaining(VERIFIER_AGENT) as string,
      });
      expect(Object.keys(call ?? {}).sort()).toEqual(
        [
          'accessKeyId',
          'action',
          'identity',
          'requestId',
          'service',
          'signingRegion',
          'sourceIpAddress',
          'time',
          'userAgent',
        ].sort(),
      );
      expect(JSON.stringify(call)).not.toContain(key.secretAccessKey);
    });
  });

  describe('lookup attributes and time range', () => {
    test('filters by EventName, EventSource, Username, ReadOnly and EventId', async () => {
      const { userName, key } = newUserWithKey();
      // From the start of this second: event times keep whole seconds.
      const since = { StartTime: new Date(Math.floor(clockMs / 1000) * 1000) };
      await iamClient(key).send(new GetUserCommand({}));
      advance(1_000);
      await stsClient(key).send(new GetCallerIdentityCommand({}));
      advance(1_000);
      await iamClient(key).send(new CreateAccessKeyCommand({}));
      const names = (events: Event[] | undefined) =>
        (events ?? []).filter((event) => event.AccessKeyId === key.accessKeyId).map((event) => event.EventName);

      expect(names((await lookup({ ...byAttribute('Username', userName), ...since })).Events)).toEqual([
        'CreateAccessKey',
        'GetCallerIdentity',
        'GetUser',
      ]);
      expect(names((await lookup({ ...byAttribute('EventSource', 'sts.amazonaws.com'), ...since })).Events)).toEqual([
        'GetCallerIdentity',
      ]);
      expect(names((await lookup({ ...byAttribute('ReadOnly', 'false'), ...since })).Events)).toEqual([
        'CreateAccessKey',
      ]);
      expect(names((await lookup({ ...byAttribute('ReadOnly', 'true'), ...since })).Events)).toEqual([
        'GetCallerIdentity',
        'GetUser',
      ]);
      expect(names((await lookup({ ...byAttribute('EventName', 'GetUser'), ...since })).Events)).toEqual(['GetUser']);
      const [one] = await eventsOfKey(key.accessKeyId);
      const byId = await lookup(byAttribute('EventId', one?.EventId ?? ''));
      expect(byId.Events).toEqual([one]);
      // Keys that exist but name nothing here (no resources are recorded) find nothing.
      expect((await lookup(byAttribute('ResourceType', 'AWS::IAM::User'))).Events).toEqual([]);
    });

    test('StartTime is "after or at" and EndTime "before or at" the event time, which keeps whole seconds', async () => {
      const { key } = newUserWithKey();
      const callMs = clockMs;
      expect(callMs % 1000).toBe(400);
      await stsClient(key).send(new GetCallerIdentityCommand({}));
      advance(5_000);
      const eventMs = Math.floor(callMs / 1000) * 1000;
      const found = async (startMs: number, endMs: number) =>
        (
          await lookup({
            ...byAttribute('AccessKeyId', key.accessKeyId),
            StartTime: new Date(startMs),
            EndTime: new Date(endMs),
          })
        ).Events?.length;
      expect(await found(eventMs, eventMs)).toBe(1);
      expect(await found(eventMs - 1_000, eventMs + 1_000)).toBe(1);
      expect(await found(eventMs + 1, eventMs + 2_000)).toBe(0);
      // The call was made 400 ms after the event's second: a StartTime taken at the call misses it.
      expect(await found(callMs, eventMs + 2_000)).toBe(0);
      expect(await found(eventMs - 2_000, eventMs - 1)).toBe(0);
    });

    test.each<{ readonly name: string; readonly input: LookupEventsCommandInput; readonly exceptionName: string }>([
      {
        name: 'two lookup attributes',
        input: {
          LookupAttributes: [
            { AttributeKey: 'EventName', AttributeValue: 'GetUser' },
            { AttributeKey: 'Username', AttributeValue: 'app' },
          ],
        },
        exceptionName: 'InvalidLookupAttributesException',
      },
      {
        name: 'an unknown attribute key',
        input: { LookupAttributes: [{ AttributeKey: 'UserAgent' as LookupAttributeKey, AttributeValue: 'x' }] },
        exceptionName: 'InvalidLookupAttributesException',
      },
      {
        name: 'an empty attribute value',
        input: { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: '' }] },
        exceptionName: 'InvalidLookupAttributesException',
      },
      { name: 'MaxResults 0', input: { MaxResults: 0 }, exceptionName: 'InvalidMaxResultsException' },
      { name: 'MaxResults 51', input: { MaxResults: 51 }, exceptionName: 'InvalidMaxResultsException' },
      {
        name: 'an unknown EventCategory',
        input: { EventCategory: 'management' as 'insight' },
        exceptionName: 'InvalidEventCategoryException',
      },
      {
        name: 'a NextToken never issued',
        input: { NextToken: 'not-a-token' },
        exceptionName: 'InvalidNextTokenException',
      },
    ])('$name is refused: $exceptionName', async ({ input, exceptionName }) => {
      await expect(lookup(input)).rejects.toMatchObject({
        name: exceptionName,
        $metadata: { httpStatusCode: 400 },
      });
    });

    test('time ranges: StartTime after EndTime, or outside the last 90 days, is InvalidTimeRangeException', async () => {
      const ranges: LookupEventsCommandInput[] = [
        { StartTime: new Date(clockMs - 1_000), EndTime: new Date(clockMs - 2_000) },
        { StartTime: new Date(clockMs - 91 * DAY_MS) },
        { StartTime: new Date(clockMs - 92 * DAY_MS), EndTime: new Date(clockMs - 91 * DAY_MS) },
        { StartTime: new Date(clockMs + 60_000) },
        { EndTime: new Date(clockMs + 60_000) },
      ];
      for (const range of ranges) {
        await expect(lookup(range)).rejects.toMatchObject({
          name: 'InvalidTimeRangeException',
          $metadata: { httpStatusCode: 400 },
        });
      }
      // The edges of the window are inside it.
      await expect(
        lookup({ StartTime: new Date(clockMs - 90 * DAY_MS), EndTime: new Date(clockMs) }),
      ).resolves.toBeDefined();
    });

    test('the documented X-Amz-Target form is answered too', async () => {
      const response = await fetch(trail.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents',
        },
        body: JSON.stringify({ MaxResults: 1 }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { readonly Events?: readonly { readonly EventId?: unknown }[] };
      expect(body.Events).toHaveLength(1);
      expect(typeof body.Events?.[0]?.EventId).toBe('string');
    });
  });

  describe('pagination', () => {
    test('pages follow NextToken to the end, newest first, unshifted by events recorded meanwhile', async () => {
      const { key } = newUserWithKey();
      for (let i = 0; i < 5; i++) {
        await stsClient(key).send(new GetCallerIdentityCommand({}));
        advance(1_000);
      }
      const all = await eventsOfKey(key.accessKeyId);
      expect(all).toHaveLength(5);
      const times = all.map((event) => event.EventTime?.getTime() ?? 0);
      expect([...times].sort((a, b) => b - a)).toEqual(times);

      const query = { ...byAttribute('AccessKeyId', key.accessKeyId), MaxResults: 2 };
      const first = await lookup(query);
      expect(first.Events).toEqual(all.slice(0, 2));
      expect(first.NextToken).toEqual(expect.any(String));
      // A newer event arrives between pages: it does not push the next page back.
      await stsClient(key).send(new GetCallerIdentityCommand({}));
      const second = await lookup({ ...query, NextToken: first.NextToken });
      expect(second.Events).toEqual(all.slice(2, 4));
      const third = await lookup({ ...query, NextToken: second.NextToken });
      expect(third.Events).toEqual(all.slice(4));
      expect(third.NextToken).toBeUndefined();

      // The SDK's paginator walks the same pages (now six events).
      const pages: Event[][] = [];
      for await (const page of paginateLookupEvents(
        { client: cloudTrailClient(), pageSize: 4 },
        byAttribute('AccessKeyId', key.accessKeyId),
      )) {
        pages.push(page.Events ?? []);
      }
      expect(pages.map((page) => page.length)).toEqual([4, 2]);
    });

    test('a NextToken used with other parameters is InvalidNextTokenException', async () => {
      const { key } = newUserWithKey();
      await stsClient(key).send(new GetCallerIdentityCommand({}));
      advance(1_000);
      await stsClient(key).send(new GetCallerIdentityCommand({}));
      const first = await lookup({ ...byAttribute('AccessKeyId', key.accessKeyId), MaxResults: 1 });
      const token = first.NextToken;
      expect(token).toEqual(expect.any(String));
      const refused: LookupEventsCommandInput[] = [
        { ...byAttribute('EventName', 'GetCallerIdentity'), MaxResults: 1, NextToken: token },
        { MaxResults: 1, NextToken: token },
        {
          ...byAttribute('AccessKeyId', key.accessKeyId),
          StartTime: new Date(clockMs - DAY_MS),
          MaxResults: 1,
          NextToken: token,
        },
        // A token edited by hand (its snapshot) is not one the service issued.
        { ...byAttribute('AccessKeyId', key.accessKeyId), MaxResults: 1, NextToken: `1${token ?? ''}` },
      ];
      for (const input of refused) {
        await expect(lookup(input)).rejects.toMatchObject({
          name: 'InvalidNextTokenException',
          $metadata: { httpStatusCode: 400 },
        });
      }
      await expect(
        lookup({ ...byAttribute('AccessKeyId', key.accessKeyId), MaxResults: 1, NextToken: token }),
      ).resolves.toMatchObject({ Events: [expect.objectContaining({ EventName: 'GetCallerIdentity' })] });
    });
  });

  describe('rate, delivery and scope', () => {
    test('two LookupEvents per second by default: the third in the same second is ThrottlingException, retried by the SDK', async () => {
      const throttled = await startLocalCloudTrail({ region: REGION, accountId: iam.accountId, now });
      try {
        await lookup({}, throttled);
        await lookup({}, throttled);
        await expect(lookup({}, throttled)).rejects.toMatchObject({
          name: 'ThrottlingException',
          message: 'Rate exceeded',
          $metadata: { httpStatusCode: 400, attempts: 1 },
        });
        // The SDK's retry strategy treats it as throttling: it tries again (and is throttled again, the clock standing still).
        await expect(cloudTrailClient(throttled, 2).send(new LookupEventsCommand({}))).rejects.toMatchObject({
          name: 'ThrottlingException',
          $metadata: { attempts: 2 },
        });
        advance(1_000);
        await expect(lookup({}, throttled)).resolves.toBeDefined();
        await expect(lookup({}, throttled)).resolves.toBeDefined();
        await expect(lookup({}, throttled)).rejects.toMatchObject({ name: 'ThrottlingException' });
        // The rate is a knob: 0 turns throttling off.
        throttled.setLookupEventsRate(0);
        for (let i = 0; i < 5; i++) await expect(lookup({}, throttled)).resolves.toBeDefined();
      } finally {
        await throttled.stop();
      }
    });

    test('an event shows only once delivered: deliveryDelayMs after its time', async () => {
      const { key } = newUserWithKey();
      trail.setDeliveryDelay(5 * 60_000);
      await stsClient(key).send(new GetCallerIdentityCommand({}));
      // Recorded, not yet delivered.
      expect(trail.events({ accessKeyId: key.accessKeyId })).toHaveLength(1);
      expect(await eventsOfKey(key.accessKeyId)).toEqual([]);
      advance(5 * 60_000 - 1);
      expect(await eventsOfKey(key.accessKeyId)).toEqual([]);
      advance(1);
      expect((await eventsOfKey(key.accessKeyId)).map((event) => event.EventName)).toEqual(['GetCallerIdentity']);
    });

    test('events are per Region (IAM in us-east-1, STS where signed) and per account', async () => {
      const { key } = newUserWithKey();
      const europe = await startLocalCloudTrail({ region: OTHER_REGION, accountId: iam.accountId, now });
      europe.follow(iam);
      try {
        await stsClient(key, OTHER_REGION).send(new GetCallerIdentityCommand({}));
        advance(1_000);
        await iamClient(key, OTHER_REGION).send(new GetUserCommand({}));
        advance(1_000);
        await stsClient(key, REGION).send(new GetCallerIdentityCommand({}));

        const home = await eventsOfKey(key.accessKeyId);
        expect(home.map((event) => [event.EventName, parsedRecord(event).awsRegion])).toEqual([
          ['GetCallerIdentity', REGION],
          ['GetUser', REGION],
        ]);
        const away = await eventsOfKey(key.accessKeyId, europe);
        expect(away.map((event) => [event.EventName, parsedRecord(event).awsRegion])).toEqual([
          ['GetCallerIdentity', OTHER_REGION],
        ]);
      } finally {
        await europe.stop();
      }
      // Another account's calls are that account's history.
      const remote = newUserWithKey(OTHER_ACCOUNT);
      await stsClient(remote.key).send(new GetCallerIdentityCommand({}));
      expect(await eventsOfKey(remote.key.accessKeyId)).toEqual([]);
    });

    test('fixtures: an event recorded by hand (a call elsewhere) is found like the others', async () => {
      const accessKeyId = 'AKIAFIXTUREFIXTURE00';
      const recorded = trail.recordEvent({
        eventName: 'DescribeInstances',
        eventSource: 'ec2.amazonaws.com',
        accessKeyId,
      });
      expect(await eventsOfKey(accessKeyId)).toEqual([
        expect.objectContaining({
          EventId: recorded.eventId,
          EventName: 'DescribeInstances',
          EventSource: 'ec2.amazonaws.com',
          ReadOnly: 'true',
        }),
      ]);
      const control = await fetch(`${trail.endpoint}/_keyturn/events?accessKeyId=${accessKeyId}`);
      const body = (await control.json()) as { readonly events?: readonly { readonly eventId?: unknown }[] };
      expect(body.events?.map((event) => event.eventId)).toEqual([recorded.eventId]);
    });

    test('faults: the next N lookups fail with the named exception, in process or over /_keyturn/', async () => {
      trail.faults.failNext(1);
      await expect(lookup({})).rejects.toMatchObject({
        name: 'InternalFailure',
        $metadata: { httpStatusCode: 500 },
      });
      await expect(lookup({})).resolves.toBeDefined();

      const planned = await fetch(`${trail.endpoint}/_keyturn/faults`, {
        method: 'POST',
        body: JSON.stringify({ count: 2, code: 'OperationNotPermittedException' }),
      });
      expect(planned.status).toBe(200);
      for (let i = 0; i < 2; i++) {
        await expect(lookup({})).rejects.toMatchObject({
          name: 'OperationNotPermittedException',
          $metadata: { httpStatusCode: 400 },
        });
      }
      await expect(lookup({})).resolves.toBeDefined();
      expect(trail.faults.pending()).toEqual([]);
    });
  });
});
