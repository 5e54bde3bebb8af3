import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { type SecretVersion } from '../../../functions/shared/secret-store';
import { signWith } from '../../support/iam-endpoint';
import { testRun } from '../../support/rotation-run';
import { createIamAccessKeyStrategy } from '../../../functions/strategies/iam/access-key';
import { createAwsIamAccess } from '../../../functions/strategies/iam/iam-client';
import { jsonAt, rotateAndWait, stagesOf } from '../../support/secrets';
import {
  createSecretStep,
  ctxFor,
  expectNoIssuedSecretInOutput,
  failure,
  givenUser,
  iam,
  invocationEndingIn,
  issuedSecrets,
  keyAt,
  keysOf,
  localIam,
  newKey,
  outcomesOf,
  pendingValue,
  placeholder,
  REFUSED,
  rotationStep,
  type Shape,
  stack,
  strategy,
  userArn,
  valueIn,
  version,
  useIamKeyStack,
} from '../../support/iam-key-harness';

/**
 * iam-access-key through the real rotation handler and the local Secrets Manager, against keyturn's
 * local IAM + STS, which verifies every request's SigV4 signature against the secret of the key that
 * signed it: "the old key is refused" is proven by signing GetCallerIdentity with it. Its knobs stand
 * in for IAM's eventual consistency (a new key refused for a while, a deactivated one still working),
 * so the retries of testSecret and revoke are exercised without any timing assertion; the drain reads
 * the local CloudTrail. Refusals and crash recovery: iam-access-key-recovery.test.ts; the moto
 * conformance check: iam-access-key-moto.test.ts.
 */

useIamKeyStack();

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

it('no secret access key ever reached the output', () => {
  expectNoIssuedSecretInOutput();
});
