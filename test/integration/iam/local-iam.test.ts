/**
 * The local IAM and STS through the real @aws-sdk/client-iam and @aws-sdk/client-sts on
 * loopback. Every request is verified by its SigV4 signature, so "this key no longer works" is
 * proven by the server recomputing the signature with the key's secret (or not knowing the key)
 * — never by a flag the test reads. Local only: moto checks no signatures (see
 * conformance.test.ts for the scenarios both share). Time is a fake clock the server reads and
 * the SDK is told about (systemClockOffset), so nothing here waits on real time.
 */
import {
  type ServiceInputTypes,
  type ServiceOutputTypes,
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  paginateListUsers,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { startLocalIam, type LocalIam, type LocalIamCredentials } from '../../../local/iam';

const REGION = 'us-east-1';
const OTHER_ACCOUNT = '210987654321';

describe('local IAM and STS (SigV4-verifying)', () => {
  let iam: LocalIam;
  let offsetMs = 0;
  const clients: { destroy(): void }[] = [];

  const iamClient = (credentials: LocalIamCredentials) => {
    const client = new IAMClient({
      endpoint: iam.iamEndpoint,
      region: REGION,
      credentials,
      maxAttempts: 1,
      systemClockOffset: offsetMs,
    });
    clients.push(client);
    return client;
  };
  const stsClient = (credentials: LocalIamCredentials) => {
    const client = new STSClient({
      endpoint: iam.stsEndpoint,
      region: REGION,
      credentials,
      maxAttempts: 1,
      systemClockOffset: offsetMs,
    });
    clients.push(client);
    return client;
  };
  const whoAmI = (credentials: LocalIamCredentials) => stsClient(credentials).send(new GetCallerIdentityCommand({}));
  let admin: IAMClient;
  let userCount = 0;
  /** A fresh user (through the API) for each test that needs one. */
  const newUser = async () => {
    userCount += 1;
    const name = `app-${userCount}`;
    await admin.send(new CreateUserCommand({ UserName: name }));
    return name;
  };
  const newKey = async (userName: string) => {
    const out = await admin.send(new CreateAccessKeyCommand({ UserName: userName }));
    return { accessKeyId: out.AccessKey?.AccessKeyId ?? '', secretAccessKey: out.AccessKey?.SecretAccessKey ?? '' };
  };

  beforeAll(async () => {
    iam = await startLocalIam({ region: REGION, now: () => new Date(Date.now() + offsetMs) });
    admin = iamClient(iam.adminCredentials);
  });
  afterEach(() => {
    iam.faults.clear();
    iam.setKeyActivationDelay(0);
    iam.setKeyRevocationDelay(0);
    offsetMs = 0;
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await iam.stop();
  });

  describe('signatures', () => {
    test('the admin key signs as the admin user', async () => {
      await expect(whoAmI(iam.adminCredentials)).resolves.toMatchObject({
        Arn: iam.adminArn,
        Account: iam.accountId,
        UserId: expect.stringMatching(/^AIDA[A-Z2-7]{17}$/) as string,
      });
    });

    test('a request changed after it was signed is SignatureDoesNotMatch (403), and changes nothing', async () => {
      const victim = await newUser();
      const tampering = iamClient(iam.adminCredentials);
      // Runs after the signing middleware: the signed request is changed on its way out.
      const tamper: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => (args) => {
        const request = args.request as { body?: unknown };
        if (typeof request.body === 'string')
          request.body = request.body.replace(`UserName=${victim}`, 'UserName=other');
        return next(args);
      };
      tampering.middlewareStack.addRelativeTo(tamper, {
        relation: 'after',
        toMiddleware: 'httpSigningMiddleware',
        name: 'tamperAfterSigning',
      });
      await expect(tampering.send(new CreateAccessKeyCommand({ UserName: victim }))).rejects.toMatchObject({
        name: 'SignatureDoesNotMatch',
        message: expect.stringMatching(/^The request signature we calculated does not match/) as string,
        $metadata: { httpStatusCode: 403 },
      });
      expect(iam.accessKeys({ userName: victim })).toEqual([]);
      expect(iam.authentications().at(-1)).toMatchObject({
        action: 'CreateAccessKey',
        outcome: 'SignatureDoesNotMatch',
      });
    });

    test('the right key id with another secret is SignatureDoesNotMatch', async () => {
      const key = await newKey(await newUser());
      const wrong = { accessKeyId: key.accessKeyId, secretAccessKey: `${key.secretAccessKey.slice(0, -1)}A` };
      await expect(whoAmI(wrong)).rejects.toMatchObject({
        name: 'SignatureDoesNotMatch',
        $metadata: { httpStatusCode: 403 },
      });
    });

    test('an access key id IAM never issued is InvalidClientTokenId (403)', async () => {
      await expect(
        whoAmI({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40) }),
      ).rejects.toMatchObject({
        name: 'InvalidClientTokenId',
        message: 'The security token included in the request is invalid.',
        $metadata: { httpStatusCode: 403 },
      });
    });

    test('a request without a signature is MissingAuthenticationToken (403)', async () => {
      const response = await fetch(iam.stsEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
      });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    });

    test('a signature more than 15 minutes old is refused as expired', async () => {
      const client = stsClient(iam.adminCredentials); // signs with the real clock
      offsetMs = 16 * 60 * 1000; // the server's clock is 16 minutes ahead
      await expect(client.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'SignatureDoesNotMatch',
        message: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now earlier than/) as string,
      });
    });

    test('credentials scoped to IAM do not sign for STS', async () => {
      // An IAM client pointed at the STS endpoint signs with the `iam` scope.
      const misdirected = new IAMClient({
        endpoint: iam.stsEndpoint,
        region: REGION,
        credentials: iam.adminCredentials,
        maxAttempts: 1,
      });
      clients.push(misdirected);
      await expect(misdirected.send(new GetUserCommand({}))).rejects.toMatchObject({
        name: 'SignatureDoesNotMatch',
        message: "Credential should be scoped to correct service: 'sts'. ",
      });
    });
  });

  describe('access keys', () => {
    test('keys look like AWS keys; a user holds two at most, inactive ones included (LimitExceeded, 409)', async () => {
      const user = await newUser();
      const first = await newKey(user);
      expect(first.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(first.secretAccessKey).toHaveLength(40);
      const second = await newKey(user);
      await admin.send(
        new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: second.accessKeyId, Status: 'Inactive' }),
      );
      await expect(admin.send(new CreateAccessKeyCommand({ UserName: user }))).rejects.toMatchObject({
        name: 'LimitExceededException',
        message: 'Cannot exceed quota for AccessKeysPerUser: 2',
        $metadata: { httpStatusCode: 409 },
      });
      const listed = await admin.send(new ListAccessKeysCommand({ UserName: user }));
      expect(listed.AccessKeyMetadata?.map((key) => [key.AccessKeyId, key.Status])).toEqual([
        [first.accessKeyId, 'Active'],
        [second.accessKeyId, 'Inactive'],
      ]);
    });

    test('an inactive key is refused (InvalidClientTokenId) until it is reactivated', async () => {
      const user = await newUser();
      const key = await newKey(user);
      await expect(whoAmI(key)).resolves.toMatchObject({ Arn: `arn:aws:iam::${iam.accountId}:user/${user}` });
      await admin.send(
        new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: key.accessKeyId, Status: 'Inactive' }),
      );
      await expect(whoAmI(key)).rejects.toMatchObject({
        name: 'InvalidClientTokenId',
        $metadata: { httpStatusCode: 403 },
      });
      await admin.send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: key.accessKeyId, Status: 'Active' }));
      await expect(whoAmI(key)).resolves.toMatchObject({ Arn: `arn:aws:iam::${iam.accountId}:user/${user}` });
    });

    test('a deleted key is refused (InvalidClientTokenId) and gone from IAM (NoSuchEntity)', async () => {
      const user = await newUser();
      const key = await newKey(user);
      await whoAmI(key);
      await admin.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: key.accessKeyId }));
      await expect(whoAmI(key)).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
      await expect(admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }))).rejects.toMatchObject(
        {
          name: 'NoSuchEntityException',
          message: `The Access Key with id ${key.accessKeyId} cannot be found`,
          $metadata: { httpStatusCode: 404 },
        },
      );
      await expect(
        admin.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: key.accessKeyId })),
      ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
      expect(iam.accessKey(key.accessKeyId)).toBeUndefined();
    });

    test('a new key works only after the activation delay (eventual consistency)', async () => {
      iam.setKeyActivationDelay(8_000);
      const user = await newUser();
      const key = await newKey(user);
      await expect(whoAmI(key)).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
      offsetMs += 8_000;
      await expect(whoAmI(key)).resolves.toMatchObject({ Arn: `arn:aws:iam::${iam.accountId}:user/${user}` });
      expect(iam.authentications(key.accessKeyId).map((entry) => entry.outcome)).toEqual([
        'InvalidClientTokenId',
        'accepted',
      ]);
    });

    test('with a revocation delay, a deactivated or deleted key works a while longer, then is refused', async () => {
      iam.setKeyRevocationDelay(5_000);
      const user = await newUser();
      const [deactivated, deleted] = [await newKey(user), await newKey(user)];
      await admin.send(
        new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: deactivated.accessKeyId, Status: 'Inactive' }),
      );
      await admin.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: deleted.accessKeyId }));
      // IAM itself already shows the change: the deleted key is gone and its quota slot free.
      const listed = await admin.send(new ListAccessKeysCommand({ UserName: user }));
      expect(listed.AccessKeyMetadata?.map((key) => key.AccessKeyId)).toEqual([deactivated.accessKeyId]);
      await expect(whoAmI(deactivated)).resolves.toBeDefined();
      await expect(whoAmI(deleted)).resolves.toBeDefined();
      offsetMs += 5_000;
      await expect(whoAmI(deactivated)).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
      await expect(whoAmI(deleted)).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
      // Reactivation takes effect at once.
      await admin.send(
        new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: deactivated.accessKeyId, Status: 'Active' }),
      );
      await expect(whoAmI(deactivated)).resolves.toBeDefined();
    });

    test('last use: N/A until a request verifies, then the service, region and the minute', async () => {
      const user = await newUser();
      const key = await newKey(user);
      const lastUsed = async () =>
        (await admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }))).AccessKeyLastUsed;
      await expect(lastUsed()).resolves.toEqual({ ServiceName: 'N/A', Region: 'N/A' });
      await expect(whoAmI({ accessKeyId: key.accessKeyId, secretAccessKey: 'x'.repeat(40) })).rejects.toMatchObject({
        name: 'SignatureDoesNotMatch',
      });
      await expect(lastUsed()).resolves.toEqual({ ServiceName: 'N/A', Region: 'N/A' });
      const before = Date.now();
      await iamClient(key).send(new ListAccessKeysCommand({}));
      const after = Date.now();
      const used = await lastUsed();
      expect(used).toMatchObject({ ServiceName: 'iam', Region: REGION });
      // Truncated to the minute the request arrived in.
      const date = used?.LastUsedDate?.getTime() ?? 0;
      expect(date % 60_000).toBe(0);
      expect(date).toBeGreaterThanOrEqual(Math.floor(before / 60_000) * 60_000);
      expect(date).toBeLessThanOrEqual(after);
      await whoAmI(key);
      await expect(lastUsed()).resolves.toMatchObject({ ServiceName: 'sts' });
    });

    test('without UserName the key ops act on the signing user; assumed roles must name one', async () => {
      const user = await newUser();
      const key = await newKey(user);
      const self = iamClient(key);
      await expect(self.send(new GetUserCommand({}))).resolves.toMatchObject({ User: { UserName: user } });
      const second = await self.send(new CreateAccessKeyCommand({}));
      expect(second.AccessKey?.UserName).toBe(user);
      await self.send(new UpdateAccessKeyCommand({ AccessKeyId: second.AccessKey?.AccessKeyId, Status: 'Inactive' }));
      expect(iam.accessKey(second.AccessKey?.AccessKeyId ?? '')?.status).toBe('Inactive');
      // Another user's key is not the signer's: NoSuchEntity.
      const stranger = await newKey(await newUser());
      await expect(self.send(new DeleteAccessKeyCommand({ AccessKeyId: stranger.accessKeyId }))).rejects.toMatchObject({
        name: 'NoSuchEntityException',
      });
    });

    test('bad input is a named error and changes nothing', async () => {
      const user = await newUser();
      const key = await newKey(user);
      await expect(
        admin.send(
          new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: key.accessKeyId, Status: 'Disabled' as 'Active' }),
        ),
      ).rejects.toMatchObject({
        name: 'ValidationError',
        message:
          "1 validation error detected: Value 'Disabled' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]",
      });
      expect(iam.accessKey(key.accessKeyId)?.status).toBe('Active');
      await expect(admin.send(new ListAccessKeysCommand({ UserName: 'nobody' }))).rejects.toMatchObject({
        name: 'NoSuchEntityException',
        message: 'The user with name nobody cannot be found.',
      });
      await expect(admin.send(new CreateUserCommand({ UserName: user }))).rejects.toMatchObject({
        name: 'EntityAlreadyExistsException',
        $metadata: { httpStatusCode: 409 },
      });
      await expect(admin.send(new DeleteUserCommand({ UserName: user }))).rejects.toMatchObject({
        name: 'DeleteConflictException',
        message: 'Cannot delete entity, must delete access keys first.',
      });
      await admin.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: key.accessKeyId }));
      await admin.send(new DeleteUserCommand({ UserName: user }));
      await expect(admin.send(new GetUserCommand({ UserName: user }))).rejects.toMatchObject({
        name: 'NoSuchEntityException',
      });
    });
  });

  describe('ListUsers', () => {
    beforeAll(async () => {
      for (const name of ['lister-b', 'Lister-A', 'lister-c']) {
        await admin.send(new CreateUserCommand({ UserName: name, Path: '/listing/' }));
      }
    });

    test('lists the users under a path prefix by name, case-insensitively, a page of MaxItems at a time', async () => {
      const first = await admin.send(new ListUsersCommand({ PathPrefix: '/listing/', MaxItems: 2 }));
      expect(first.Users?.map((user) => user.UserName)).toEqual(['Lister-A', 'lister-b']);
      expect(first.IsTruncated).toBe(true);
      const second = await admin.send(
        new ListUsersCommand({ PathPrefix: '/listing/', MaxItems: 2, Marker: first.Marker }),
      );
      expect(second.Users?.map((user) => [user.UserName, user.Path, user.Arn])).toEqual([
        ['lister-c', '/listing/', `arn:aws:iam::${iam.accountId}:user/listing/lister-c`],
      ]);
      expect(second.IsTruncated).toBe(false);
      expect(second.Marker).toBeUndefined();
    });

    test("the SDK's paginator walks every page, and without a prefix every user is listed", async () => {
      const names: string[] = [];
      for await (const page of paginateListUsers({ client: admin, pageSize: 1 }, {})) {
        names.push(...(page.Users ?? []).map((user) => user.UserName ?? ''));
      }
      expect(names).toEqual(expect.arrayContaining(['Lister-A', 'lister-b', 'lister-c', 'keyturn-admin']));
      expect(names).toEqual([...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
    });

    test('MaxItems outside 1-1000 and a Marker it did not give are ValidationErrors', async () => {
      await expect(admin.send(new ListUsersCommand({ MaxItems: 0 }))).rejects.toMatchObject({
        name: 'ValidationError',
      });
      await expect(admin.send(new ListUsersCommand({ Marker: 'not-a-marker' }))).rejects.toMatchObject({
        name: 'ValidationError',
      });
    });
  });

  describe('AssumeRole', () => {
    test('cross-account: the session is the assumed role, and acts in that account', async () => {
      const roleArn = iam.createRole({ roleName: 'keyturn-rotator', accountId: OTHER_ACCOUNT });
      iam.createUser('remote-app', { accountId: OTHER_ACCOUNT });
      iam.createUser('local-only');
      const assumed = await stsClient(iam.adminCredentials).send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'rotation', DurationSeconds: 900 }),
      );
      const session = {
        accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
        secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
        sessionToken: assumed.Credentials?.SessionToken ?? '',
      };
      expect(session.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
      const arn = `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/keyturn-rotator/rotation`;
      expect(assumed.AssumedRoleUser?.Arn).toBe(arn);
      await expect(whoAmI(session)).resolves.toMatchObject({
        Arn: arn,
        Account: OTHER_ACCOUNT,
        UserId: expect.stringMatching(/^AROA[A-Z2-7]{17}:rotation$/) as string,
      });
      const remote = iamClient(session);
      const created = await remote.send(new CreateAccessKeyCommand({ UserName: 'remote-app' }));
      expect(iam.accessKey(created.AccessKey?.AccessKeyId ?? '')).toMatchObject({ accountId: OTHER_ACCOUNT });
      await expect(remote.send(new ListAccessKeysCommand({ UserName: 'local-only' }))).rejects.toMatchObject({
        name: 'NoSuchEntityException',
      });
      await expect(remote.send(new ListAccessKeysCommand({}))).rejects.toMatchObject({
        message: 'Must specify userName when calling with non-User credentials',
      });
      // The session token is part of the credential: without it, or with another, the key is unknown.
      await expect(
        whoAmI({ ...session, sessionToken: `${session.sessionToken.slice(0, -2)}AA` }),
      ).rejects.toMatchObject({
        name: 'InvalidClientTokenId',
      });
      // Past its expiry the session is ExpiredToken (403).
      offsetMs = 901 * 1000;
      await expect(whoAmI(session)).rejects.toMatchObject({ name: 'ExpiredToken', $metadata: { httpStatusCode: 403 } });
    });

    test('a role that does not trust the caller, or does not exist, is AccessDenied', async () => {
      const roleArn = iam.createRole({
        roleName: 'closed',
        accountId: OTHER_ACCOUNT,
        trustedPrincipals: [OTHER_ACCOUNT],
      });
      const sts = stsClient(iam.adminCredentials);
      await expect(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'x1' }))).rejects.toMatchObject({
        name: 'AccessDenied',
        message: `User: ${iam.adminArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        $metadata: { httpStatusCode: 403 },
      });
      const missing = `arn:aws:iam::${OTHER_ACCOUNT}:role/missing`;
      await expect(sts.send(new AssumeRoleCommand({ RoleArn: missing, RoleSessionName: 'x1' }))).rejects.toMatchObject({
        name: 'AccessDenied',
      });
      await expect(
        sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'x1', DurationSeconds: 60 })),
      ).rejects.toMatchObject({ name: 'ValidationError' });
    });
  });

  describe('knobs', () => {
    test('faults: the next N calls fail before they change anything, then calls succeed', async () => {
      const user = await newUser();
      iam.faults.failNext('CreateAccessKey');
      iam.faults.failNext('GetCallerIdentity', 1, 'Throttling');
      await expect(admin.send(new CreateAccessKeyCommand({ UserName: user }))).rejects.toMatchObject({
        name: 'ServiceFailureException',
        $metadata: { httpStatusCode: 500 },
      });
      expect(iam.accessKeys({ userName: user })).toEqual([]);
      await expect(whoAmI(iam.adminCredentials)).rejects.toMatchObject({ name: 'Throttling' });
      await expect(admin.send(new CreateAccessKeyCommand({ UserName: user }))).resolves.toBeDefined();
      expect(iam.faults.pending()).toEqual([]);
    });

    test('the HTTP control surface: keys without secrets, the activation delay, faults', async () => {
      const user = await newUser();
      const key = await newKey(user);
      const keys = (await (await fetch(`${iam.iamEndpoint}/_keyturn/access-keys?userName=${user}`)).json()) as {
        accessKeys: Record<string, unknown>[];
      };
      expect(keys.accessKeys).toEqual([expect.objectContaining({ accessKeyId: key.accessKeyId, status: 'Active' })]);
      expect(JSON.stringify(keys)).not.toContain(key.secretAccessKey);
      const delay = await fetch(`${iam.iamEndpoint}/_keyturn/key-activation-delay`, {
        method: 'PUT',
        body: JSON.stringify({ ms: 5_000 }),
      });
      expect(delay.status).toBe(200);
      const bad = await fetch(`${iam.iamEndpoint}/_keyturn/faults`, { method: 'POST', body: '{"operation":"Nope"}' });
      expect(bad.status).toBe(400);
      const late = await newKey(await newUser());
      await expect(whoAmI(late)).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    });

    test('the SDK finds the endpoints through AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL_STS', async () => {
      const saved = { iam: process.env.AWS_ENDPOINT_URL_IAM, sts: process.env.AWS_ENDPOINT_URL_STS };
      process.env.AWS_ENDPOINT_URL_IAM = iam.iamEndpoint;
      process.env.AWS_ENDPOINT_URL_STS = iam.stsEndpoint;
      try {
        const viaEnvIam = new IAMClient({ region: REGION, credentials: iam.adminCredentials, maxAttempts: 1 });
        const viaEnvSts = new STSClient({ region: REGION, credentials: iam.adminCredentials, maxAttempts: 1 });
        clients.push(viaEnvIam, viaEnvSts);
        await expect(viaEnvSts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Arn: iam.adminArn });
        await expect(viaEnvIam.send(new GetUserCommand({}))).resolves.toMatchObject({ User: { Arn: iam.adminArn } });
      } finally {
        if (saved.iam === undefined) delete process.env.AWS_ENDPOINT_URL_IAM;
        else process.env.AWS_ENDPOINT_URL_IAM = saved.iam;
        if (saved.sts === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
        else process.env.AWS_ENDPOINT_URL_STS = saved.sts;
      }
    });
  });
});
