import { CreateAccessKeyCommand, CreateUserCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { deadlineIn } from '../../../functions/shared/deadline';
import { SecretStore, type SecretVersion } from '../../../functions/shared/secret-store';
import { createIamAccessKeyStrategy } from '../../../functions/strategies/iam/access-key';
import { createAwsIamAccess } from '../../../functions/strategies/iam/iam-client';
import type { StrategyContext } from '../../../functions/strategies/strategy';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { motoIamUnavailableReason, signWith, startMotoIamEndpoint, type IamEndpoint } from '../../support/iam-endpoint';
import { createSecret, jsonAt, rotateAndWait } from '../../support/secrets';

/**
 * Conformance: the iam-access-key strategy against moto's IAM and STS, a second implementation of
 * the API besides keyturn's local IAM (iam-access-key.test.ts holds the full suite). It checks that
 * the calls keyturn makes, and the answers it reads (ListAccessKeys, CreateAccessKey,
 * UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed, GetCallerIdentity's user ARN, the
 * LimitExceeded of a third key), match another reading of AWS's API. moto accepts inactive keys
 * and any secret, so a revoked key's refusal is asserted on IAM's record only here.
 */

process.env.KEYTURN_FUNCTION_TIMEOUT_SECONDS = '2';

const unavailable = motoIamUnavailableReason();
if (unavailable !== undefined) {
  // eslint-disable-next-line no-console -- a skipped suite must say why
  console.warn(`iam-access-key moto conformance tests are SKIPPED: ${unavailable}`);
}
const describeWithMoto = unavailable === undefined ? describe : describe.skip;

let iam: IamEndpoint;
let stack: LocalStack;
let counter = 0;

beforeAll(async () => {
  if (unavailable !== undefined) return;
  iam = await startMotoIamEndpoint();
  stack = await startLocalStack();
}, 60_000);
afterAll(async () => {
  if (unavailable !== undefined) return;
  await Promise.allSettled([stack.stop(), iam.stop()]);
});

interface User {
  readonly name: string;
  readonly keyId: string;
  readonly secretArn: string;
}

async function givenUser(): Promise<User> {
  const name = `moto-app-${++counter}`;
  await iam.admin.send(new CreateUserCommand({ UserName: name }));
  const key = (await iam.admin.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  const secret = await createSecret(
    stack.client,
    `iam/${name}`,
    JSON.stringify({ accessKeyId: key?.AccessKeyId, secretAccessKey: key?.SecretAccessKey, userName: name }),
    { 'keyturn:strategy': 'iam-access-key', 'keyturn:iam-user': name },
  );
  return { name, keyId: key?.AccessKeyId ?? '', secretArn: secret.arn };
}

async function keysOf(userName: string): Promise<Record<string, string>> {
  const out = await iam.admin.send(new ListAccessKeysCommand({ UserName: userName }));
  return Object.fromEntries((out.AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId ?? '', k.Status ?? '']));
}

async function version(user: User, stage: string): Promise<SecretVersion> {
  const out = await stack.client.send(new GetSecretValueCommand({ SecretId: user.secretArn, VersionStage: stage }));
  return { versionId: out.VersionId ?? '', value: out.SecretString ?? '', stages: out.VersionStages ?? [] };
}

async function ctxFor(user: User): Promise<StrategyContext> {
  const out = await stack.client.send(new DescribeSecretCommand({ SecretId: user.secretArn }));
  return {
    secretArn: user.secretArn,
    token: 'conformance',
    tags: Object.fromEntries((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    store: new SecretStore(stack.client),
    logger: new Logger({ logLevel: 'SILENT' }),
    deadline: deadlineIn(30_000),
  };
}

describeWithMoto('iam-access-key against moto (conformance)', () => {
  it('rotates, revokes (Inactive on record), reactivates for a rollback, and deletes in an emergency', async () => {
    const user = await givenUser();
    // moto never refuses an inactive key: revoke watches for the refusal only briefly.
    const strategy = createIamAccessKeyStrategy(createAwsIamAccess(), { revocationCheckMs: 300 });

    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    const fresh = await jsonAt<{ accessKeyId: string; secretAccessKey: string }>(
      stack.client,
      user.secretArn,
      'AWSCURRENT',
    );
    expect(await keysOf(user.name)).toEqual({ [user.keyId]: 'Active', [fresh.accessKeyId]: 'Active' });
    expect(await signWith(iam, { id: fresh.accessKeyId, secret: fresh.secretAccessKey })).toEqual({
      arn: `arn:aws:iam::${iam.account}:user/${user.name}`,
    });

    const previous = await version(user, 'AWSPREVIOUS');
    const current = await version(user, 'AWSCURRENT');
    const revoked = await strategy.revoke(previous, current, await ctxFor(user));
    expect(revoked.status).toBe('revoked');
    expect(revoked.confirmedRejected).toBeUndefined(); // moto still accepts the inactive key
    expect(await keysOf(user.name)).toEqual({ [user.keyId]: 'Inactive', [fresh.accessKeyId]: 'Active' });
    expect(await strategy.usage(previous, current, await ctxFor(user))).toMatchObject({ inUse: false });

    expect(await strategy.reinstate?.(previous, current, await ctxFor(user))).toBe(true);
    expect((await keysOf(user.name))[user.keyId]).toBe('Active');

    const emergency = await strategy.revoke(previous, current, await ctxFor(user), { emergency: true });
    expect(emergency.detail).toMatch(/deactivated and deleted/);
    expect(await keysOf(user.name)).toEqual({ [fresh.accessKeyId]: 'Active' });
  });

  it('a second rotation while both keys are active is refused, nothing changed', async () => {
    const user = await givenUser();
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    const keys = await keysOf(user.name);

    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({
      succeeded: false,
      failedStep: 'createSecret',
      errorName: 'TwoActiveKeysError',
    });
    expect(await keysOf(user.name)).toEqual(keys);
  });

  it('a user IAM does not know is IamUserNotFoundError', async () => {
    const secret = await createSecret(
      stack.client,
      `iam/moto-nobody-${++counter}`,
      JSON.stringify({ accessKeyId: 'AKIANOSUCHUSER000001', secretAccessKey: 'not-a-real-secret' }),
      { 'keyturn:strategy': 'iam-access-key', 'keyturn:iam-user': 'nobody-here' },
    );
    expect(await rotateAndWait(stack, secret.arn)).toMatchObject({
      succeeded: false,
      failedStep: 'createSecret',
      errorName: 'IamUserNotFoundError',
    });
  });
});
