/**
 * The local IAM/STS against moto (`python3 -m moto.server`), through the same
 * @aws-sdk/client-iam and @aws-sdk/client-sts: the scenarios both serve must answer the same
 * shapes, values and errors — users and access keys, the two-key quota, Active/Inactive,
 * last use (N/A until used), GetCallerIdentity, cross-account AssumeRole.
 *
 * Local-only, and so not here (local-iam.test.ts): everything about signatures and key validity.
 * moto verifies no signatures and honours inactive, deleted and unknown keys alike, and has no
 * activation delay; it also deletes a user that still has keys (AWS and the local IAM answer
 * DeleteConflict). moto's user ids are not AWS-shaped (AIDA…) and its assumed-role ids differ
 * between AssumeRole and GetCallerIdentity, so only their stable parts are compared here (the
 * local IAM's exact formats are checked in local-iam.test.ts). When moto is missing the moto target is skipped with the reason printed.
 */
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startLocalIam } from '../../../local/iam';
import { motoUnavailableReason, startMotoServer } from '../../support/moto';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';

interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

interface RunningTarget {
  readonly iamEndpoint: string;
  readonly stsEndpoint: string;
  /** Credentials allowed to manage users and keys. */
  readonly admin: Credentials;
  /** A role in `accountId` that the admin may assume; returns its ARN. */
  ensureRole(accountId: string, roleName: string): string;
  stop(): Promise<void>;
}

async function startLocal(): Promise<RunningTarget> {
  const iam = await startLocalIam({ region: REGION, accountId: ACCOUNT });
  return {
    iamEndpoint: iam.iamEndpoint,
    stsEndpoint: iam.stsEndpoint,
    admin: iam.adminCredentials,
    ensureRole: (accountId, roleName) => iam.createRole({ accountId, roleName }),
    stop: () => iam.stop(),
  };
}

async function startMoto(): Promise<RunningTarget> {
  const moto = await startMotoServer();
  return {
    iamEndpoint: moto.endpoint,
    stsEndpoint: moto.endpoint,
    admin: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'conformance-admin-secret-not-checked-by-moto' },
    // moto's AssumeRole needs no role: any ARN, in any account, is assumable.
    ensureRole: (accountId, roleName) => `arn:aws:iam::${accountId}:role/${roleName}`,
    stop: () => moto.stop(),
  };
}

const targets: [string, () => Promise<RunningTarget>][] = [['local', startLocal]];
const motoReason = motoUnavailableReason();
if (motoReason === undefined) {
  targets.push(['moto', startMoto]);
} else {
  // eslint-disable-next-line no-console -- a skipped target must be visible in the test output, with its reason
  console.warn(`IAM conformance: the moto target is SKIPPED because ${motoReason}. Only the local target runs.`);
}

describe.each(targets)('IAM/STS conformance: %s', (_name, start) => {
  let target: RunningTarget;
  let admin: IAMClient;
  const clients: { destroy(): void }[] = [];
  let userCount = 0;

  const iamClient = (credentials: Credentials) => {
    const client = new IAMClient({ endpoint: target.iamEndpoint, region: REGION, credentials, maxAttempts: 1 });
    clients.push(client);
    return client;
  };
  const stsClient = (credentials: Credentials) => {
    const client = new STSClient({ endpoint: target.stsEndpoint, region: REGION, credentials, maxAttempts: 1 });
    clients.push(client);
    return client;
  };
  const newUser = async () => {
    userCount += 1;
    const name = `conf-${userCount}`;
    const out = await admin.send(new CreateUserCommand({ UserName: name }));
    return { name, out };
  };
  const newKey = async (userName: string) => {
    const out = await admin.send(new CreateAccessKeyCommand({ UserName: userName }));
    return {
      out,
      credentials: {
        accessKeyId: out.AccessKey?.AccessKeyId ?? '',
        secretAccessKey: out.AccessKey?.SecretAccessKey ?? '',
      },
    };
  };

  beforeAll(async () => {
    target = await start();
    admin = iamClient(target.admin);
  }, 30_000);
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await target.stop();
  });

  test('a user and its key have the shapes IAM gives them', async () => {
    const { name, out } = await newUser();
    expect(out.User).toEqual({
      Path: '/',
      UserName: name,
      UserId: expect.stringMatching(/^\w{16,}$/) as string,
      Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
      CreateDate: expect.any(Date) as Date,
    });
    const { out: key } = await newKey(name);
    expect(key.AccessKey).toEqual({
      UserName: name,
      AccessKeyId: expect.stringMatching(/^AKIA[A-Z0-9]{16}$/) as string,
      Status: 'Active',
      SecretAccessKey: expect.stringMatching(/^.{40}$/) as string,
      CreateDate: expect.any(Date) as Date,
    });
    await expect(admin.send(new GetUserCommand({ UserName: name }))).resolves.toMatchObject({ User: out.User });
  });

  test('two keys per user, inactive ones counted: the third is LimitExceeded (409)', async () => {
    const { name } = await newUser();
    const first = await newKey(name);
    const second = await newKey(name);
    await admin.send(
      new UpdateAccessKeyCommand({ UserName: name, AccessKeyId: second.credentials.accessKeyId, Status: 'Inactive' }),
    );
    await expect(admin.send(new CreateAccessKeyCommand({ UserName: name }))).rejects.toMatchObject({
      name: 'LimitExceededException',
      message: 'Cannot exceed quota for AccessKeysPerUser: 2',
      $metadata: { httpStatusCode: 409 },
    });
    const listed = await admin.send(new ListAccessKeysCommand({ UserName: name }));
    expect(listed.AccessKeyMetadata?.map((key) => [key.UserName, key.AccessKeyId, key.Status]).sort()).toEqual(
      [
        [name, first.credentials.accessKeyId, 'Active'],
        [name, second.credentials.accessKeyId, 'Inactive'],
      ].sort(),
    );
  });

  test('last use: N/A until the key signs a request, then a date and the service', async () => {
    const { name, out: user } = await newUser();
    const { credentials } = await newKey(name);
    const lastUsed = () => admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: credentials.accessKeyId }));
    const never = await lastUsed();
    expect(never.UserName).toBe(name);
    expect(never.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });
    await expect(stsClient(credentials).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
      Account: ACCOUNT,
      UserId: user.User?.UserId,
    });
    const used = await lastUsed();
    expect(used.AccessKeyLastUsed).toMatchObject({ ServiceName: 'sts', LastUsedDate: expect.any(Date) as Date });
  });

  test('a deleted key is NoSuchEntity (404) to delete again and to GetAccessKeyLastUsed', async () => {
    const { name } = await newUser();
    const { credentials } = await newKey(name);
    await admin.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: credentials.accessKeyId }));
    const notFound = {
      name: 'NoSuchEntityException',
      message: `The Access Key with id ${credentials.accessKeyId} cannot be found`,
      $metadata: { httpStatusCode: 404 },
    };
    await expect(
      admin.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: credentials.accessKeyId })),
    ).rejects.toMatchObject(notFound);
    await expect(
      admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: credentials.accessKeyId })),
    ).rejects.toMatchObject(notFound);
    await expect(admin.send(new ListAccessKeysCommand({ UserName: name }))).resolves.toMatchObject({
      AccessKeyMetadata: [],
    });
  });

  test('a missing user is NoSuchEntity (404), as IAM words it', async () => {
    await expect(admin.send(new ListAccessKeysCommand({ UserName: 'nobody' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The user with name nobody cannot be found.',
      $metadata: { httpStatusCode: 404 },
    });
  });

  test('AssumeRole across accounts: temporary credentials that are the assumed role in that account', async () => {
    const { name } = await newUser();
    const { credentials } = await newKey(name);
    const roleArn = target.ensureRole(OTHER_ACCOUNT, 'conformance-rotator');
    const assumed = await stsClient(credentials).send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'conformance', DurationSeconds: 900 }),
    );
    const arn = `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/conformance-rotator/conformance`;
    expect(assumed.AssumedRoleUser).toEqual({
      Arn: arn,
      AssumedRoleId: expect.stringMatching(/^AROA[A-Z0-9]+:conformance$/) as string,
    });
    expect(assumed.Credentials).toEqual({
      AccessKeyId: expect.stringMatching(/^ASIA[A-Z0-9]{16}$/) as string,
      SecretAccessKey: expect.any(String) as string,
      SessionToken: expect.any(String) as string,
      Expiration: expect.any(Date) as Date,
    });
    const session = {
      accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
      secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
      sessionToken: assumed.Credentials?.SessionToken ?? '',
    };
    await expect(stsClient(session).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Arn: arn,
      Account: OTHER_ACCOUNT,
      UserId: expect.stringMatching(/^AROA[A-Z0-9]+:conformance$/) as string,
    });
  });
});
