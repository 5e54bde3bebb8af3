import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { type SecretVersion } from '../../../functions/shared/secret-store';
import { signWith } from '../../support/iam-endpoint';
import { createSecret, rotateAndWait } from '../../support/secrets';
import {
  createSecretStep,
  ctxFor,
  expectNoIssuedSecretInOutput,
  failure,
  givenUser,
  iam,
  issuedSecrets,
  keyAt,
  keysOf,
  localIam,
  newKey,
  nextId,
  pendingValue,
  placeholder,
  REFUSED,
  rotationStep,
  stack,
  strategy,
  type User,
  userArn,
  version,
  useIamKeyStack,
} from '../../support/iam-key-harness';

/**
 * iam-access-key's refusals (nothing changed, no key left behind) and its recovery from crashes, twin
 * invocations, failed writes and rotations an operator gave up, through the real rotation handler
 * against keyturn's local IAM + STS (test/support/iam-key-harness.ts).
 */

useIamKeyStack();

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
      `iam/nobody-${nextId()}`,
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
    const n = nextId();
    const roleArn = localIam.createRole({
      roleName: `keyturn-keys-${n}`,
      accountId: other,
      trustedPrincipals: [iam.account],
    });
    const name = `remote-${n}`;
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
});

it('no secret access key ever reached the output', () => {
  expectNoIssuedSecretInOutput();
});
