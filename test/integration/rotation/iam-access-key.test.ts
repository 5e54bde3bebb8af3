import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { deadlineIn } from '../../../functions/shared/deadline';
import { SecretStore, type SecretVersion } from '../../../functions/shared/secret-store';
import { createIamAccessKeyStrategy } from '../../../functions/strategies/iam/access-key';
import { createAwsIamAccess } from '../../../functions/strategies/iam/iam-client';
import type { RotationStrategy, StrategyContext } from '../../../functions/strategies/strategy';
import type { LocalIam } from '../../../local/iam';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { localIamEndpoint, signWith, type IamEndpoint } from '../../support/iam-endpoint';
import { testRun } from '../../support/rotation-run';
import { createSecret, jsonAt, MANUAL_FUNCTION_ARN, rotateAndWait, stagesOf } from '../../support/secrets';

/**
 * iam-access-key through the real rotation handler and the local Secrets Manager, against keyturn's
 * local IAM + STS, which verifies every request's SigV4 signature against the secret of the key that
 * signed it: "the old key is refused" is proven by signing GetCallerIdentity with it. Its knobs stand
 * in for IAM's eventual consistency (a new key refused for a while, a deactivated one still working),
 * so the retries of testSecret and revoke are exercised without any timing assertion. The moto
 * conformance check is iam-access-key-moto.test.ts.
 */

// A short timeout for the rotation function: how long an attempt that created a key can still be storing it.
process.env.KEYTURN_FUNCTION_TIMEOUT_SECONDS = '2';
// Every log line is captured, to check that no secret access key reaches one.
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';

let iam: IamEndpoint;
let stack: LocalStack;
let localIam: LocalIam;
let strategy: RotationStrategy;
let counter = 0;
const issuedSecrets = new Set<string>();
const output: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ iam: true });
  localIam = stack.iam as LocalIam;
  iam = localIamEndpoint(localIam);
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  strategy = createIamAccessKeyStrategy(createAwsIamAccess());
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
}, 30_000);
afterAll(async () => {
  jest.restoreAllMocks();
  await iam.stop();
  await stack.stop();
});

type Shape = 'keyturn' | 'credentials-file' | 'iam-api';
interface Key {
  readonly id: string;
  readonly secret: string;
}
interface User {
  readonly name: string;
  readonly key: Key;
  readonly secretArn: string;
}

async function newKey(userName: string): Promise<Key> {
  const out = await iam.admin.send(new CreateAccessKeyCommand({ UserName: userName }));
  const key = { id: out.AccessKey?.AccessKeyId ?? '', secret: out.AccessKey?.SecretAccessKey ?? '' };
  issuedSecrets.add(key.secret);
  return key;
}

function valueIn(shape: Shape, key: Key, userName: string): Record<string, string> {
  if (shape === 'credentials-file') return { aws_access_key_id: key.id, aws_secret_access_key: key.secret };
  if (shape === 'iam-api') return { AccessKeyId: key.id, SecretAccessKey: key.secret, UserName: userName };
  return { accessKeyId: key.id, secretAccessKey: key.secret, userName };
}

async function givenUser(options: { shape?: Shape; tags?: Record<string, string>; path?: string } = {}): Promise<User> {
  const name = `app-${++counter}`;
  await iam.admin.send(new CreateUserCommand({ UserName: name, ...(options.path ? { Path: options.path } : {}) }));
  const key = await newKey(name);
  const secret = await createSecret(
    stack.client,
    `iam/${name}`,
    JSON.stringify({ ...valueIn(options.shape ?? 'keyturn', key, name), note: 'kept' }),
    { 'keyturn:strategy': 'iam-access-key', 'keyturn:iam-user': name, ...options.tags },
  );
  return { name, key, secretArn: secret.arn };
}

async function keysOf(userName: string): Promise<Record<string, string>> {
  const out = await iam.admin.send(new ListAccessKeysCommand({ UserName: userName }));
  return Object.fromEntries((out.AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId ?? '', k.Status ?? '']));
}

async function keyAt(user: User, stage: string): Promise<Key> {
  const value = await jsonAt<{ accessKeyId: string; secretAccessKey: string }>(stack.client, user.secretArn, stage);
  issuedSecrets.add(value.secretAccessKey);
  return { id: value.accessKeyId, secret: value.secretAccessKey };
}

const userArn = (user: User, path = '/') => `arn:aws:iam::${iam.account}:user${path}${user.name}`;
/** What the local IAM answers a key it does not accept (never issued, deleted, inactive, not yet active). */
const REFUSED = { refused: 'InvalidClientTokenId' };

/** The outcomes of the key's authentications from the `from`-th on (accepted, or the error code). */
function outcomesOf(keyId: string, from = 0): string[] {
  return localIam
    .authentications(keyId)
    .slice(from)
    .map((entry) => entry.outcome);
}

async function ctxFor(user: User): Promise<StrategyContext> {
  const out = await stack.client.send(new DescribeSecretCommand({ SecretId: user.secretArn }));
  return {
    secretArn: user.secretArn,
    token: 'lifecycle',
    tags: Object.fromEntries((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    store: new SecretStore(stack.client),
    logger: new Logger({ logLevel: 'SILENT' }),
    deadline: deadlineIn(30_000),
  };
}

async function version(user: User, stage: string): Promise<SecretVersion> {
  const out = await stack.client.send(new GetSecretValueCommand({ SecretId: user.secretArn, VersionStage: stage }));
  return {
    versionId: out.VersionId ?? '',
    value: out.SecretString ?? '',
    stages: out.VersionStages ?? [],
    createdAt: out.CreatedDate,
  };
}

/** RotateSecret with the do-nothing function: the AWSPENDING placeholder, as a rotation whose steps have not run yet. */
async function placeholder(user: User): Promise<string> {
  return (await rotateAndWait(stack, user.secretArn, MANUAL_FUNCTION_ARN)).token;
}

async function createSecretStep(user: User, token: string, remainingMs?: number): Promise<void> {
  await rotationStep(
    'createSecret',
    user,
    token,
    remainingMs === undefined ? undefined : { getRemainingTimeInMillis: () => remainingMs },
  );
}

/** One step of the rotation handler, optionally with Lambda's remaining time. */
async function rotationStep(
  step: 'createSecret' | 'setSecret' | 'testSecret',
  user: User,
  token: string,
  context?: { readonly getRemainingTimeInMillis: () => number },
): Promise<void> {
  await stack.rotationHandler({ Step: step, SecretId: user.secretArn, ClientRequestToken: token }, context);
}

/** A Lambda context whose invocation must answer `ms` from now. */
function invocationEndingIn(ms: number): { readonly getRemainingTimeInMillis: () => number } {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => Math.max(0, end - Date.now()) };
}

async function pendingValue(user: User, token: string): Promise<string | undefined> {
  return stack.client
    .send(new GetSecretValueCommand({ SecretId: user.secretArn, VersionId: token, VersionStage: 'AWSPENDING' }))
    .then((out) => out.SecretString)
    .catch(() => undefined);
}

async function failure(work: Promise<unknown>): Promise<Error> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('iam-access-key: rotation through the rotation handler', () => {
  it.each<Shape>(['keyturn', 'credentials-file', 'iam-api'])(
    'rotates a key stored in the %s shape: a new key of the user in AWSCURRENT, the same shape, the old key untouched',
    async (shape) => {
      const user = await givenUser({ shape, path: '/svc/', tags: { 'keyturn:iam-path': '/svc/' } });
      const before = Object.keys(await stagesOf(stack.client, user.secretArn))[0] as string;

      const result = await rotateAndWait(stack, user.secretArn);

      expect(result).toMatchObject({ succeeded: true });
      const current = await jsonAt<Record<string, string>>(stack.client, user.secretArn, 'AWSCURRENT');
      const [idField, secretField] = Object.keys(valueIn(shape, { id: '', secret: '' }, ''));
      const fresh = { id: current[idField as string] ?? '', secret: current[secretField as string] ?? '' };
      issuedSecrets.add(fresh.secret);
      expect(Object.keys(current).sort()).toEqual([...Object.keys(valueIn(shape, user.key, user.name)), 'note'].sort());
      expect(fresh.id).not.toBe(user.key.id);
      expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Active', [fresh.id]: 'Active' });
      expect(await signWith(iam, fresh)).toEqual({ arn: userArn(user, '/svc/') });
      // Rotation leaves the old key working (revoke comes after grace and drain).
      expect(await signWith(iam, user.key)).toEqual({ arn: userArn(user, '/svc/') });
      expect(await stagesOf(stack.client, user.secretArn)).toEqual({
        [result.token]: ['AWSCURRENT'],
        [before]: ['AWSPREVIOUS'],
      });
    },
  );

  it('revoke deactivates the old key and dates its quarantine; the next rotation deletes it only once that is over', async () => {
    const user = await givenUser({ tags: { 'keyturn:iam-quarantine-seconds': '3' } });
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    const first = await keyAt(user, 'AWSCURRENT');
    const ctx = await ctxFor(user);

    const revoked = await strategy.revoke(await version(user, 'AWSPREVIOUS'), await version(user, 'AWSCURRENT'), ctx);

    // Confirmed by signing with the old key: STS refuses it now; its secret cannot sign for the new key's id.
    expect(revoked).toMatchObject({ status: 'revoked', confirmedRejected: true });
    expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Inactive', [first.id]: 'Active' });
    expect(await signWith(iam, user.key)).toEqual(REFUSED);
    expect(await signWith(iam, { id: first.id, secret: user.key.secret })).toEqual({
      refused: 'SignatureDoesNotMatch',
    });
    expect(await signWith(iam, first)).toEqual({ arn: userArn(user) });
    const tags = (await ctxFor(user)).tags;
    expect(tags['keyturn:iam-deactivated']).toMatch(new RegExp(`^${user.key.id} \\d{4}-`));
    expect(
      await strategy.usage(await version(user, 'AWSPREVIOUS'), await version(user, 'AWSCURRENT'), ctx),
    ).toMatchObject({
      inUse: false,
      evidence: expect.stringContaining('inactive') as unknown,
    });
    // Revoking again changes nothing and keeps the quarantine's start.
    await strategy.revoke(await version(user, 'AWSPREVIOUS'), await version(user, 'AWSCURRENT'), await ctxFor(user));
    expect((await ctxFor(user)).tags['keyturn:iam-deactivated']).toBe(tags['keyturn:iam-deactivated']);

    const early = await rotateAndWait(stack, user.secretArn);
    expect(early).toMatchObject({ succeeded: false, failedStep: 'createSecret', errorName: 'KeyInQuarantineError' });
    expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Inactive', [first.id]: 'Active' });
    expect(await pendingValue(user, early.token)).toBeUndefined();

    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const later = await rotateAndWait(stack, user.secretArn, undefined, early.token);
    expect(later).toMatchObject({ succeeded: true });
    const second = await keyAt(user, 'AWSCURRENT');
    expect(await keysOf(user.name)).toEqual({ [first.id]: 'Active', [second.id]: 'Active' });
  });

  it('a rollback before the delete reactivates the old key; an emergency revoke deletes it at once', async () => {
    const user = await givenUser();
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    const previous = await version(user, 'AWSPREVIOUS');
    const current = await version(user, 'AWSCURRENT');
    await strategy.revoke(previous, current, await ctxFor(user));
    expect((await keysOf(user.name))[user.key.id]).toBe('Inactive');

    expect(await signWith(iam, user.key)).toEqual(REFUSED);

    expect(await strategy.reinstate?.(previous, current, await ctxFor(user))).toBe(true);
    expect((await keysOf(user.name))[user.key.id]).toBe('Active');
    expect(await signWith(iam, user.key)).toEqual({ arn: userArn(user) });
    expect((await ctxFor(user)).tags['keyturn:iam-deactivated']).toBeUndefined();
    expect(await strategy.reinstate?.(previous, current, await ctxFor(user))).toBe(false);

    const emergency = await strategy.revoke(previous, current, await ctxFor(user), { emergency: true });
    expect(emergency.detail).toMatch(/deactivated and deleted/);
    expect(emergency.confirmedRejected).toBe(true);
    expect(await signWith(iam, user.key)).toEqual(REFUSED);
    expect(await keysOf(user.name)).toEqual({ [(await keyAt(user, 'AWSCURRENT')).id]: 'Active' });
    // Idempotent: the key is already gone.
    expect(await strategy.revoke(previous, current, await ctxFor(user), { emergency: true })).toMatchObject({
      status: 'revoked',
      detail: expect.stringContaining('already deleted') as unknown,
    });
  });

  it('an emergency goes ahead from a key already deactivated after a leak, past a quarantined one, and deletes both', async () => {
    const user = await givenUser();
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    await strategy.revoke(await version(user, 'AWSPREVIOUS'), await version(user, 'AWSCURRENT'), await ctxFor(user));
    const leaked = await keyAt(user, 'AWSCURRENT');
    // Whoever spotted the leak deactivated the key at once; the previous key is in its 7-day quarantine.
    await iam.admin.send(
      new UpdateAccessKeyCommand({ UserName: user.name, AccessKeyId: leaked.id, Status: 'Inactive' }),
    );

    await stack.rotationHandler({
      task: 'preflight',
      secretArn: user.secretArn,
      rotation: testRun({ emergency: true, trigger: 'emergency', reason: 'key posted in a public repository' }),
    });
    expect((await ctxFor(user)).tags['keyturn:iam-emergency']).toBeDefined();
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });

    const fresh = await keyAt(user, 'AWSCURRENT');
    expect(await keysOf(user.name)).toEqual({ [leaked.id]: 'Inactive', [fresh.id]: 'Active' });
    await strategy.revoke(await version(user, 'AWSPREVIOUS'), await version(user, 'AWSCURRENT'), await ctxFor(user), {
      emergency: true,
    });
    expect(await keysOf(user.name)).toEqual({ [fresh.id]: 'Active' });
    expect((await ctxFor(user)).tags['keyturn:iam-emergency']).toBeUndefined();
    expect(await signWith(iam, leaked)).toEqual(REFUSED);
    expect(await signWith(iam, fresh)).toEqual({ arn: userArn(user) });
  });

  it('deletes an inactive key that no labelled version holds before making the new one', async () => {
    const user = await givenUser();
    const stray = await newKey(user.name);
    await iam.admin.send(
      new UpdateAccessKeyCommand({ UserName: user.name, AccessKeyId: stray.id, Status: 'Inactive' }),
    );

    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });

    const fresh = await keyAt(user, 'AWSCURRENT');
    expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Active', [fresh.id]: 'Active' });
  });
});

describe("iam-access-key: IAM's eventual consistency (the local IAM's propagation delays)", () => {
  afterEach(() => {
    localIam.setKeyActivationDelay(0);
    localIam.setKeyRevocationDelay(0);
  });

  it('testSecret retries while the new key is refused, and the rotation succeeds once it works', async () => {
    const user = await givenUser();
    // Far longer than the steps between CreateAccessKey and testSecret's first signature, however loaded the machine.
    localIam.setKeyActivationDelay(3_000);

    const result = await rotateAndWait(stack, user.secretArn);

    expect(result).toMatchObject({ succeeded: true });
    const fresh = await keyAt(user, 'AWSCURRENT');
    // Signed with the new key: refused while it propagated, then accepted as the user.
    const outcomes = outcomesOf(fresh.id);
    expect(outcomes[0]).toBe('InvalidClientTokenId');
    expect(outcomes.at(-1)).toBe('accepted');
    expect(await signWith(iam, fresh)).toEqual({ arn: userArn(user) });
  });

  it('a key that does not work before the invocation must answer: testSecret fails named, within its deadline', async () => {
    const user = await givenUser();
    localIam.setKeyActivationDelay(600_000);
    const token = await placeholder(user);
    await createSecretStep(user, token);
    await rotationStep('setSecret', user, token);

    // 6 s left in the invocation: 3 s to retry in, the rest kept back to answer.
    const error = await failure(rotationStep('testSecret', user, token, invocationEndingIn(6_000)));

    expect(error.name).toBe('PendingCredentialRejectedError');
    const pending = JSON.parse((await pendingValue(user, token)) ?? '{}') as {
      accessKeyId: string;
      secretAccessKey: string;
    };
    issuedSecrets.add(pending.secretAccessKey);
    const outcomes = outcomesOf(pending.accessKeyId);
    expect(outcomes.length).toBeGreaterThan(1); // retried
    expect(new Set(outcomes)).toEqual(new Set(['InvalidClientTokenId']));
    // Nothing promoted: the old key stays current and working.
    expect((await keyAt(user, 'AWSCURRENT')).id).toBe(user.key.id);
    expect(await signWith(iam, user.key)).toEqual({ arn: userArn(user) });
  });

  it('Verify waits for a new key to propagate (within the deadline); an old key it checks once', async () => {
    const user = await givenUser();
    localIam.setKeyActivationDelay(3_000);
    const propagating = await newKey(user.name); // through CreateAccessKey: refused for the delay
    const candidate: SecretVersion = {
      versionId: 'propagating',
      stages: [],
      value: JSON.stringify({ accessKeyId: propagating.id, secretAccessKey: propagating.secret, userName: user.name }),
    };
    const current = await version(user, 'AWSCURRENT');

    // As an old credential (no `replaces`): one signature, refused, reported as such.
    expect(await strategy.verify(candidate, await ctxFor(user))).toMatchObject({ ok: false, failure: 'rejected' });
    // As the new credential replacing the current one: retried until it works.
    expect(await strategy.verify(candidate, await ctxFor(user), { replaces: current })).toEqual({ ok: true });

    const outcomes = outcomesOf(propagating.id);
    expect(outcomes.filter((o) => o === 'InvalidClientTokenId').length).toBeGreaterThan(1);
    expect(outcomes.at(-1)).toBe('accepted');
  });

  it('revoke watches until the deactivated key stops working before confirming its rejection', async () => {
    const user = await givenUser();
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    // Far longer than between UpdateAccessKey and revoke's first signature with the old key.
    localIam.setKeyRevocationDelay(3_000);
    const seen = localIam.authentications(user.key.id).length;

    const revoked = await strategy.revoke(
      await version(user, 'AWSPREVIOUS'),
      await version(user, 'AWSCURRENT'),
      await ctxFor(user),
    );

    expect(revoked).toMatchObject({ status: 'revoked', confirmedRejected: true });
    expect((await keysOf(user.name))[user.key.id]).toBe('Inactive');
    // Inactive at once in IAM's record, yet still accepted while the change spread; refused at the end.
    const outcomes = outcomesOf(user.key.id, seen);
    expect(outcomes[0]).toBe('accepted');
    expect(outcomes.at(-1)).toBe('InvalidClientTokenId');
    expect(await signWith(iam, user.key)).toEqual(REFUSED);
  });

  it('a revoke whose watch ends before the key stops working does not claim it was rejected', async () => {
    const user = await givenUser();
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    localIam.setKeyRevocationDelay(600_000);
    const brief = createIamAccessKeyStrategy(createAwsIamAccess(), { revocationCheckMs: 300 });

    const revoked = await brief.revoke(
      await version(user, 'AWSPREVIOUS'),
      await version(user, 'AWSCURRENT'),
      await ctxFor(user),
    );

    expect(revoked.status).toBe('revoked');
    expect(revoked.confirmedRejected).toBeUndefined();
    expect((await keysOf(user.name))[user.key.id]).toBe('Inactive');
    expect(await signWith(iam, user.key)).toEqual({ arn: userArn(user) }); // still propagating
  });
});

describe('iam-access-key: drain evidence (IAM last use and the local CloudTrail event history)', () => {
  it("a client's call with the old key after the switch is in use, named from CloudTrail; keyturn's own checks are not", async () => {
    const user = await givenUser();
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    const [old, current] = [await version(user, 'AWSPREVIOUS'), await version(user, 'AWSCURRENT')];
    const ctx = await ctxFor(user);

    // keyturn's own check signs with the old key: IAM's last use moves, the event history shows no client.
    expect(await strategy.verify(old, ctx)).toEqual({ ok: true });
    const ownOnly = await strategy.usage(old, current, ctx);
    expect(ownOnly.inUse).not.toBe(false);
    expect(ownOnly.evidence).toContain('CloudTrail event history (us-east-1) shows no client call');

    // A client still on the old key.
    expect(await signWith(iam, user.key)).toEqual({ arn: userArn(user) });
    const used = await strategy.usage(old, current, ctx);
    expect(used.inUse).toBe(true);
    expect(used.evidence).toMatch(
      /CloudTrail event history \(us-east-1\): 1 client call\(s\) since \S+: sts:GetCallerIdentity at \S+ \(us-east-1\)/,
    );
    const newSecret = (JSON.parse(current.value) as { secretAccessKey: string }).secretAccessKey;
    for (const secret of [user.key.secret, newSecret]) {
      expect(JSON.stringify([ownOnly, used])).not.toContain(secret);
    }
  });

  it('a lookup CloudTrail refuses is named in the evidence and decides nothing; cloudTrailRegions "none" reads none', async () => {
    const user = await givenUser();
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    const [old, current] = [await version(user, 'AWSPREVIOUS'), await version(user, 'AWSCURRENT')];
    expect(await signWith(iam, user.key)).toEqual({ arn: userArn(user) });
    const cloudTrail = stack.cloudTrail;
    if (!cloudTrail) throw new Error('the local stack has no CloudTrail');

    cloudTrail.faults.failNext(5, 'AccessDeniedException');
    const refused = await strategy.usage(old, current, await ctxFor(user));
    cloudTrail.faults.clear();
    expect(refused.inUse).not.toBe(false); // IAM's own last use stands
    expect(refused.evidence).toContain('lookup failed in us-east-1: IamAccessDeniedError');

    const ctx = await ctxFor(user);
    const none = await strategy.usage(old, current, {
      ...ctx,
      tags: { ...ctx.tags, 'keyturn:iam-cloudtrail-regions': 'none' },
    });
    expect(none.evidence).not.toContain('CloudTrail');
  });
});

describe('iam-access-key: refusals change nothing and leave no key behind', () => {
  it('an active key no version holds is refused, unless the entry allows replacing it', async () => {
    const user = await givenUser();
    const unknown = await newKey(user.name);
    // IAM dates keys to the second: a key made in the second the rotation began counts as the rotation's own.
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const refused = await rotateAndWait(stack, user.secretArn);

    expect(refused).toMatchObject({ succeeded: false, failedStep: 'createSecret', errorName: 'UnknownActiveKeyError' });
    expect(refused.errorMessage).toContain(unknown.id);
    expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Active', [unknown.id]: 'Active' });

    const allowed = await givenUser({ tags: { 'keyturn:iam-replace-unknown-key': 'true' } });
    const replaced = await newKey(allowed.name);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await rotateAndWait(stack, allowed.secretArn)).toMatchObject({ succeeded: true });
    const fresh = await keyAt(allowed, 'AWSCURRENT');
    expect(await keysOf(allowed.name)).toEqual({ [allowed.key.id]: 'Active', [fresh.id]: 'Active' });
    expect(replaced.id).not.toBe(fresh.id);
  });

  it('a second rotation while the previous key is still active: two active keys, refused', async () => {
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

  it('a user that does not exist, and a current key that is inactive', async () => {
    const missing = await givenUser({ tags: { 'keyturn:iam-user': 'nobody-here' } });
    // The value names its user too: the two disagree, which is refused before IAM is asked.
    expect(await rotateAndWait(stack, missing.secretArn)).toMatchObject({ errorName: 'InvalidSecretValueError' });
    const secret = await createSecret(
      stack.client,
      `iam/nobody-${++counter}`,
      JSON.stringify({ accessKeyId: 'AKIANOSUCHUSER000001', secretAccessKey: 'not-a-real-secret' }),
      { 'keyturn:strategy': 'iam-access-key', 'keyturn:iam-user': 'nobody-here' },
    );
    expect(await rotateAndWait(stack, secret.arn)).toMatchObject({
      succeeded: false,
      failedStep: 'createSecret',
      errorName: 'IamUserNotFoundError',
    });

    const user = await givenUser();
    await iam.admin.send(
      new UpdateAccessKeyCommand({ UserName: user.name, AccessKeyId: user.key.id, Status: 'Inactive' }),
    );
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ errorName: 'CurrentKeyInactiveError' });
    expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Inactive' });
  });

  it('a key that authenticates as another user is a named error', async () => {
    const user = await givenUser();
    const other = await givenUser();
    const impostor: SecretVersion = {
      versionId: 'impostor',
      stages: [],
      value: JSON.stringify({ accessKeyId: other.key.id, secretAccessKey: other.key.secret, userName: user.name }),
    };
    const error = await failure(strategy.verify(impostor, await ctxFor(user)));
    expect(error.name).toBe('KeyIdentityMismatchError');
    expect(error.message).toContain(`user/${other.name}`);
  });

  it('manages a user of another account through the role the entry names (sts:AssumeRole)', async () => {
    const other = '210987654321';
    const roleArn = localIam.createRole({
      roleName: `keyturn-keys-${++counter}`,
      accountId: other,
      trustedPrincipals: [iam.account],
    });
    const name = `remote-${counter}`;
    localIam.createUser(name, { accountId: other });
    const issued = localIam.createAccessKey(name, { accountId: other });
    const old = { id: issued.accessKeyId, secret: issued.secretAccessKey };
    issuedSecrets.add(old.secret);
    const secret = await createSecret(
      stack.client,
      `iam/${name}`,
      JSON.stringify({ accessKeyId: old.id, secretAccessKey: old.secret, userName: name }),
      { 'keyturn:strategy': 'iam-access-key', 'keyturn:iam-user': name, 'keyturn:iam-role': roleArn },
    );
    const user: User = { name, key: old, secretArn: secret.arn };

    expect(await rotateAndWait(stack, secret.arn)).toMatchObject({ succeeded: true });
    const fresh = await keyAt(user, 'AWSCURRENT');
    const keys = localIam.accessKeys({ accountId: other, userName: name });
    expect(Object.fromEntries(keys.map((k) => [k.accessKeyId, k.status]))).toEqual({
      [old.id]: 'Active',
      [fresh.id]: 'Active',
    });
    expect(await signWith(iam, fresh)).toEqual({ arn: `arn:aws:iam::${other}:user/${name}` });

    // Revoked through the role too, and confirmed by the old key's refused signature.
    const revoked = await strategy.revoke(await version(user, 'AWSPREVIOUS'), await version(user, 'AWSCURRENT'), {
      ...(await ctxFor(user)),
    });
    expect(revoked).toMatchObject({ status: 'revoked', confirmedRejected: true });
    expect(await signWith(iam, old)).toEqual(REFUSED);
  });
});

describe('iam-access-key: crashes, twins and failed writes in createSecret', () => {
  it('a key an interrupted attempt made and never stored is deleted before the new one is made', async () => {
    const user = await givenUser();
    const token = await placeholder(user);
    const orphan = await newKey(user.name); // what a crash between CreateAccessKey and PutSecretValue leaves

    await createSecretStep(user, token); // waits until the orphan's maker cannot be alive (2 s timeout + slack)

    const value = JSON.parse((await pendingValue(user, token)) ?? '{}') as {
      accessKeyId: string;
      secretAccessKey: string;
    };
    issuedSecrets.add(value.secretAccessKey);
    expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Active', [value.accessKeyId]: 'Active' });
    expect(value.accessKeyId).not.toBe(orphan.id);
  });

  it('with no time left to wait for a key another attempt may be storing: ConcurrentChangeError, nothing changed', async () => {
    const user = await givenUser();
    const token = await placeholder(user);
    const orphan = await newKey(user.name);

    const error = await failure(createSecretStep(user, token, 3_200));

    expect(error.name).toBe('ConcurrentChangeError');
    expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Active', [orphan.id]: 'Active' });
    expect(await pendingValue(user, token)).toBeUndefined();
  });

  it('twin createSecret invocations: one key is made and stored, no orphan', async () => {
    const users = await Promise.all([givenUser(), givenUser(), givenUser()]);
    for (const user of users) {
      const token = await placeholder(user);
      const results = await Promise.allSettled([createSecretStep(user, token), createSecretStep(user, token)]);

      const value = JSON.parse((await pendingValue(user, token)) ?? '{}') as {
        accessKeyId: string;
        secretAccessKey: string;
      };
      issuedSecrets.add(value.secretAccessKey);
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
      expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Active', [value.accessKeyId]: 'Active' });
    }
  });

  it('a PutSecretValue that fails deletes the new key; one that landed but answered an error keeps it', async () => {
    const user = await givenUser();
    const token = await placeholder(user);
    stack.secretsManager.faults.failNext('PutSecretValue', 1, 'InvalidRequestException', { secretId: user.secretArn });

    expect((await failure(createSecretStep(user, token))).name).toBe('InvalidRequestException');
    expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Active' });

    stack.secretsManager.faults.failNext('PutSecretValue', 1, 'InvalidRequestException', {
      secretId: user.secretArn,
      timing: 'after-applying',
    });
    await createSecretStep(user, token);
    const value = JSON.parse((await pendingValue(user, token)) ?? '{}') as {
      accessKeyId: string;
      secretAccessKey: string;
    };
    issuedSecrets.add(value.secretAccessKey);
    expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Active', [value.accessKeyId]: 'Active' });
  });

  /** An operator's hand fix of a stuck rotation: AWSPENDING off its version, so that a new one can start. */
  async function giveUp(user: User, token: string): Promise<void> {
    await stack.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: user.secretArn,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: token,
      }),
    );
  }

  it('a rotation given up after its key was stored: the next rotation deletes that key (never AWSCURRENT) and goes on', async () => {
    const user = await givenUser();
    const abandoned = await placeholder(user);
    await createSecretStep(user, abandoned);
    const stored = JSON.parse((await pendingValue(user, abandoned)) ?? '{}') as Record<string, string>;
    const stranded = { id: stored.accessKeyId ?? '', secret: stored.secretAccessKey ?? '' };
    issuedSecrets.add(stranded.secret);
    await rotationStep('testSecret', user, abandoned); // it was even tested: used, but never given to a client
    expect(await signWith(iam, stranded)).toEqual({ arn: userArn(user) });
    await giveUp(user, abandoned);

    const next = await rotateAndWait(stack, user.secretArn);

    expect(next).toMatchObject({ succeeded: true });
    const current = await keyAt(user, 'AWSCURRENT');
    expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Active', [current.id]: 'Active' });
    expect(current.id).not.toBe(stranded.id);
    expect(await signWith(iam, stranded)).toEqual(REFUSED);
  });

  it('a rotation given up after it made a key it never stored: the next rotation deletes that key and goes on', async () => {
    const user = await givenUser();
    const abandoned = await placeholder(user);
    const orphan = await newKey(user.name); // a crash between CreateAccessKey and PutSecretValue
    await giveUp(user, abandoned);
    // IAM dates keys to the second: from the next one on, the orphan cannot pass for the new rotation's own.
    await new Promise((resolve) => setTimeout(resolve, 1_001 - (Date.now() % 1_000)));
    const token = await placeholder(user);

    await createSecretStep(user, token); // waits until the orphan's maker cannot be alive (2 s timeout + slack)

    const value = JSON.parse((await pendingValue(user, token)) ?? '{}') as {
      accessKeyId: string;
      secretAccessKey: string;
    };
    issuedSecrets.add(value.secretAccessKey);
    expect(await keysOf(user.name)).toEqual({ [user.key.id]: 'Active', [value.accessKeyId]: 'Active' });
    expect(value.accessKeyId).not.toBe(orphan.id);
  });

  it('no secret access key ever reached the output', () => {
    const text = output.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of issuedSecrets) expect(text).not.toContain(secret);
  });
});
