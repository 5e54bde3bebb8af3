import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../../../../local/secretsmanager/errors';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../../../../functions/shared/stages';
import { MAX_VERSIONS_PER_SECRET, SecretsManagerState, type SecretValue } from '../../../../local/secretsmanager/state';

const DAY = 86_400_000;
const text = (value: string): SecretValue => ({ kind: 'string', text: value });

/** A store on a clock the test moves by hand. */
function givenStore(start = '2026-03-10T12:00:00Z') {
  let now = new Date(start).getTime();
  let changes = 0;
  const store = new SecretsManagerState({
    location: { region: 'eu-west-1', accountId: '111122223333' },
    now: () => new Date(now),
    onChange: () => changes++,
  });
  return {
    store,
    advance: (ms: number) => (now += ms),
    changes: () => changes,
  };
}

function expectAwsError(action: () => unknown, exceptionName: string, messagePart?: RegExp): AwsServiceError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AwsServiceError);
  expect((thrown as AwsServiceError).name).toBe(exceptionName);
  if (messagePart) expect((thrown as Error).message).toMatch(messagePart);
  return thrown as AwsServiceError;
}

function stages(store: SecretsManagerState, secretId: string): Record<string, string[]> {
  const secret = store.describe(secretId);
  return Object.fromEntries(
    secret.versions.filter((v) => v.stages.length > 0).map((v) => [v.versionId, [...v.stages].sort()]),
  );
}

function created(store: SecretsManagerState, name = 'app/db', value = 'v1') {
  const token = randomUUID();
  const { secret } = store.createSecret({ name, clientRequestToken: token, value: text(value) });
  return { arn: secret.arn, token };
}

describe('SecretsManagerState: identity', () => {
  it('builds ARNs from region, account, name and a six-character suffix, and resolves every SecretId form', () => {
    const { store } = givenStore();
    const { arn } = created(store);
    expect(arn).toMatch(/^arn:aws:secretsmanager:eu-west-1:111122223333:secret:app\/db-[A-Za-z0-9]{6}$/);
    for (const secretId of ['app/db', arn, arn.slice(0, -7)]) expect(store.describe(secretId).arn).toBe(arn);
    expectAwsError(
      () => store.describe('arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db'),
      'ResourceNotFoundException',
    );
  });

  it('refuses names outside 1-512 characters of [A-Za-z0-9/_+=.@-]', () => {
    const { store } = givenStore();
    for (const name of ['', 'has space', 'semi;colon', 'x'.repeat(513)]) {
      expectAwsError(() => store.createSecret({ name, value: text('v') }), 'InvalidParameterException', /Invalid name/);
    }
    expect(store.createSecret({ name: 'a/b_c+d=e.f@g-h', value: text('v') }).secret.name).toBe('a/b_c+d=e.f@g-h');
  });
});

describe('SecretsManagerState: versions and staging labels', () => {
  it('moves AWSCURRENT to a new value and AWSPREVIOUS to the version that lost it', () => {
    const { store } = givenStore();
    const { token: v1 } = created(store);
    const v2 = store.putSecretValue('app/db', { clientRequestToken: randomUUID(), value: text('v2') }).version
      .versionId;
    const v3 = store.putSecretValue('app/db', { clientRequestToken: randomUUID(), value: text('v3') }).version
      .versionId;
    expect(stages(store, 'app/db')).toEqual({ [v2]: [AWSPREVIOUS], [v3]: [AWSCURRENT] });
    expect(store.listSecretVersions('app/db', true).versions.map((v) => v.versionId)).toEqual([v1, v2, v3]);
    expect(store.listSecretVersions('app/db').versions.map((v) => v.versionId)).toEqual([v2, v3]);
  });

  it('treats the same token with the same value as a retry and a different value as a conflict', () => {
    const { store } = givenStore();
    created(store);
    const token = randomUUID();
    store.putSecretValue('app/db', { clientRequestToken: token, value: text('v2') });
    store.putSecretValue('app/db', { clientRequestToken: token, value: text('v2') });
    expect(store.describe('app/db').versions).toHaveLength(2);
    const conflict = expectAwsError(
      () => store.putSecretValue('app/db', { clientRequestToken: token, value: text('do-not-echo-me') }),
      'ResourceExistsException',
    );
    expect(conflict.message).not.toContain('do-not-echo-me');
    expect(store.getSecretValue('app/db').version.value).toEqual(text('v2'));
  });

  it('compares binary and string values by kind as well as content', () => {
    const { store } = givenStore();
    created(store);
    const token = randomUUID();
    store.putSecretValue('app/db', {
      clientRequestToken: token,
      value: { kind: 'binary', base64: Buffer.from('v2').toString('base64') },
    });
    expectAwsError(
      () => store.putSecretValue('app/db', { clientRequestToken: token, value: text('v2') }),
      'ResourceExistsException',
    );
  });

  it('limits a value to 65,536 bytes (UTF-8), without quoting it', () => {
    const { store } = givenStore();
    created(store);
    const error = expectAwsError(
      () => store.putSecretValue('app/db', { clientRequestToken: randomUUID(), value: text('é'.repeat(32_769)) }),
      'InvalidParameterException',
      /65536 bytes/,
    );
    expect(error.message).not.toContain('é');
    store.putSecretValue('app/db', { clientRequestToken: randomUUID(), value: text('x'.repeat(65_536)) });
  });

  describe('UpdateSecretVersionStage', () => {
    function twoVersions() {
      const context = givenStore();
      const { token: v1 } = created(context.store);
      const v2 = context.store.putSecretValue('app/db', {
        clientRequestToken: randomUUID(),
        value: text('v2'),
        versionStages: [AWSPENDING],
      }).version.versionId;
      return { ...context, v1, v2 };
    }

    it('moves AWSCURRENT only when RemoveFromVersionId names its holder, and AWSPREVIOUS follows', () => {
      const { store, v1, v2 } = twoVersions();
      expectAwsError(
        () => store.updateSecretVersionStage('app/db', { versionStage: AWSCURRENT, moveToVersionId: v2 }),
        'InvalidParameterException',
        new RegExp(`attached to version ${v1}`),
      );
      expectAwsError(
        () =>
          store.updateSecretVersionStage('app/db', {
            versionStage: AWSCURRENT,
            moveToVersionId: v2,
            removeFromVersionId: v2,
          }),
        'InvalidParameterException',
      );
      store.updateSecretVersionStage('app/db', {
        versionStage: AWSCURRENT,
        moveToVersionId: v2,
        removeFromVersionId: v1,
      });
      expect(stages(store, 'app/db')).toEqual({ [v1]: [AWSPREVIOUS], [v2]: [AWSCURRENT, AWSPENDING] });
    });

    it('is idempotent when the label is already on MoveToVersionId, but refuses a stale RemoveFromVersionId', () => {
      const { store, v1, v2 } = twoVersions();
      store.updateSecretVersionStage('app/db', {
        versionStage: AWSCURRENT,
        moveToVersionId: v2,
        removeFromVersionId: v1,
      });
      const changesBefore = stages(store, 'app/db');
      store.updateSecretVersionStage('app/db', { versionStage: AWSCURRENT, moveToVersionId: v2 });
      store.updateSecretVersionStage('app/db', {
        versionStage: AWSCURRENT,
        moveToVersionId: v2,
        removeFromVersionId: v2,
      });
      expect(stages(store, 'app/db')).toEqual(changesBefore);
      // AWS: a RemoveFromVersionId that does not hold the label fails, even if the move is already done.
      expectAwsError(
        () =>
          store.updateSecretVersionStage('app/db', {
            versionStage: AWSCURRENT,
            moveToVersionId: v2,
            removeFromVersionId: v1,
          }),
        'InvalidParameterException',
      );
    });

    it('never removes AWSCURRENT outright, and answers ResourceNotFoundException for unknown versions', () => {
      const { store, v1 } = twoVersions();
      expectAwsError(
        () => store.updateSecretVersionStage('app/db', { versionStage: AWSCURRENT, removeFromVersionId: v1 }),
        'InvalidParameterException',
        /AWSCURRENT/,
      );
      expectAwsError(
        () => store.updateSecretVersionStage('app/db', { versionStage: 'X', moveToVersionId: randomUUID() }),
        'ResourceNotFoundException',
      );
      expectAwsError(
        () => store.updateSecretVersionStage('app/db', { versionStage: 'X', removeFromVersionId: randomUUID() }),
        'ResourceNotFoundException',
      );
      expectAwsError(
        () => store.updateSecretVersionStage('app/db', { versionStage: 'X' }),
        'InvalidParameterException',
      );
    });

    it('removes other labels, leaving a version without labels deprecated', () => {
      const { store, v1, v2 } = twoVersions();
      store.updateSecretVersionStage('app/db', { versionStage: AWSPENDING, removeFromVersionId: v2 });
      expect(stages(store, 'app/db')).toEqual({ [v1]: [AWSCURRENT] });
      expect(store.listSecretVersions('app/db', true).versions.map((v) => v.versionId)).toEqual([v1, v2]);
    });

    it('caps a secret at 20 distinct staging labels', () => {
      const { store, v1 } = twoVersions();
      // AWSCURRENT and AWSPENDING are taken; AWSPREVIOUS is not yet.
      for (let i = 0; i < 18; i++)
        store.updateSecretVersionStage('app/db', { versionStage: `L${i}`, moveToVersionId: v1 });
      expectAwsError(
        () => store.updateSecretVersionStage('app/db', { versionStage: 'ONE-TOO-MANY', moveToVersionId: v1 }),
        'LimitExceededException',
      );
    });
  });

  it('makes the first version of a value-less secret AWSCURRENT whatever labels were asked for', () => {
    const { store } = givenStore();
    store.createSecret({ name: 'empty' });
    const { version } = store.putSecretValue('empty', {
      clientRequestToken: randomUUID(),
      value: text('v1'),
      versionStages: ['BLUE'],
    });
    expect([...version.stages].sort()).toEqual([AWSCURRENT, 'BLUE']);
  });

  it('keeps 100 versions, removing the oldest deprecated ones, but never one younger than 24 hours', () => {
    const { store, advance } = givenStore();
    const { token: first } = created(store);
    for (let i = 1; i < MAX_VERSIONS_PER_SECRET; i++) {
      store.putSecretValue('app/db', { clientRequestToken: randomUUID(), value: text(`v${i}`) });
    }
    expect(store.describe('app/db').versions).toHaveLength(100);
    // All 98 deprecated versions are younger than a day: AWS would not remove them.
    expectAwsError(
      () => store.putSecretValue('app/db', { clientRequestToken: randomUUID(), value: text('v100') }),
      'LimitExceededException',
    );

    advance(DAY + 1);
    store.putSecretValue('app/db', { clientRequestToken: randomUUID(), value: text('v100') });
    const versions = store.describe('app/db').versions;
    expect(versions).toHaveLength(100);
    expect(versions.some((v) => v.versionId === first)).toBe(false);
  });

  it('reads AWSCURRENT by default, checks that VersionId and VersionStage agree, and records the access day', () => {
    const { store, advance } = givenStore('2026-03-10T12:34:56Z');
    const { token: v1 } = created(store);
    const v2 = store.putSecretValue('app/db', { clientRequestToken: randomUUID(), value: text('v2') }).version
      .versionId;
    expect(store.getSecretValue('app/db').version.versionId).toBe(v2);
    expect(store.getSecretValue('app/db', { versionStage: AWSPREVIOUS }).version.versionId).toBe(v1);
    expect(store.getSecretValue('app/db', { versionId: v1, versionStage: AWSPREVIOUS }).version.versionId).toBe(v1);
    expectAwsError(
      () => store.getSecretValue('app/db', { versionId: v1, versionStage: AWSCURRENT }),
      'ResourceNotFoundException',
    );
    expectAwsError(() => store.getSecretValue('app/db', { versionStage: 'NOPE' }), 'ResourceNotFoundException');
    expect(store.describe('app/db').lastAccessedAt).toEqual(new Date('2026-03-10T00:00:00Z'));
    advance(DAY);
    store.getSecretValue('app/db');
    expect(store.describe('app/db').lastAccessedAt).toEqual(new Date('2026-03-11T00:00:00Z'));
  });
});

describe('SecretsManagerState: create, tags, delete, restore', () => {
  it('treats a retried CreateSecret (same token and value) as success and anything else as ResourceExistsException', () => {
    const { store } = givenStore();
    const { arn, token } = created(store);
    expect(store.createSecret({ name: 'app/db', clientRequestToken: token, value: text('v1') }).secret.arn).toBe(arn);
    expectAwsError(
      () => store.createSecret({ name: 'app/db', clientRequestToken: token, value: text('other') }),
      'ResourceExistsException',
    );
    expectAwsError(() => store.createSecret({ name: 'app/db', value: text('v1') }), 'ResourceExistsException');
  });

  it('merges tags by key, removes them by key, refuses the aws: prefix and more than 50 tags', () => {
    const { store } = givenStore();
    store.createSecret({ name: 'tagged', tags: [{ Key: 'team', Value: 'core' }] });
    store.tagResource('tagged', [
      { Key: 'team', Value: 'edge' },
      { Key: 'tier', Value: '1' },
    ]);
    expect(store.describe('tagged').tags).toEqual([
      { Key: 'team', Value: 'edge' },
      { Key: 'tier', Value: '1' },
    ]);
    store.untagResource('tagged', ['team', 'absent']);
    expect(store.describe('tagged').tags).toEqual([{ Key: 'tier', Value: '1' }]);
    expectAwsError(
      () => store.tagResource('tagged', [{ Key: 'aws:owner', Value: 'x' }]),
      'InvalidParameterException',
      /reserved/,
    );
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expectAwsError(() => store.tagResource('tagged', many), 'InvalidParameterException', /50 tags/);
    expect(store.describe('tagged').tags).toHaveLength(1);
  });

  it('schedules deletion: writes and reads are refused, the name stays taken, RestoreSecret undoes it', () => {
    const { store } = givenStore('2026-03-10T00:00:00Z');
    created(store);
    const { deletionDate } = store.deleteSecret('app/db', { recoveryWindowInDays: 7 });
    expect(deletionDate).toEqual(new Date('2026-03-17T00:00:00Z'));
    expect(store.describe('app/db').deletedAt).toEqual(new Date('2026-03-10T00:00:00Z'));
    expectAwsError(() => store.getSecretValue('app/db'), 'InvalidRequestException', /marked for deletion/);
    expectAwsError(
      () => store.putSecretValue('app/db', { clientRequestToken: randomUUID(), value: text('x') }),
      'InvalidRequestException',
    );
    expectAwsError(() => store.tagResource('app/db', [{ Key: 'a', Value: 'b' }]), 'InvalidRequestException');
    expectAwsError(
      () => store.createSecret({ name: 'app/db', value: text('x') }),
      'InvalidRequestException',
      /scheduled for deletion/,
    );
    expectAwsError(() => store.deleteSecret('app/db', {}), 'InvalidRequestException', /already scheduled/);
    expect(store.listSecrets().map((s) => s.name)).toEqual([]);
    expect(store.listSecrets(true).map((s) => s.name)).toEqual(['app/db']);
    store.restoreSecret('app/db');
    expect(store.getSecretValue('app/db').version.value).toEqual(text('v1'));
  });

  it('deletes for good once the recovery window has passed', () => {
    const { store, advance } = givenStore();
    created(store);
    store.deleteSecret('app/db', {});
    advance(30 * DAY - 1);
    expect(store.describe('app/db').name).toBe('app/db');
    advance(1);
    expectAwsError(() => store.describe('app/db'), 'ResourceNotFoundException');
    expect(store.createSecret({ name: 'app/db', value: text('new') }).secret.name).toBe('app/db');
  });

  it('validates the recovery window and force-deletes at once, even an unknown secret', () => {
    const { store } = givenStore();
    created(store);
    expectAwsError(
      () => store.deleteSecret('app/db', { recoveryWindowInDays: 7, forceDeleteWithoutRecovery: true }),
      'InvalidParameterException',
    );
    expectAwsError(() => store.deleteSecret('app/db', { recoveryWindowInDays: 6 }), 'InvalidParameterException');
    expectAwsError(() => store.deleteSecret('app/db', { recoveryWindowInDays: 31 }), 'InvalidParameterException');
    store.deleteSecret('app/db', { forceDeleteWithoutRecovery: true });
    expectAwsError(() => store.describe('app/db'), 'ResourceNotFoundException');
    expect(store.deleteSecret('never/existed', { forceDeleteWithoutRecovery: true }).name).toBe('never/existed');
    expectAwsError(() => store.deleteSecret('never/existed', {}), 'ResourceNotFoundException');
  });
});

describe('SecretsManagerState: rotation', () => {
  const lambda = 'arn:aws:lambda:eu-west-1:111122223333:function:rotate';

  it('needs a Lambda ARN given or stored', () => {
    const { store } = givenStore();
    created(store);
    expectAwsError(
      () => store.beginRotation('app/db', { clientRequestToken: randomUUID() }),
      'InvalidRequestException',
      /Lambda/,
    );
    expect(store.describe('app/db').rotationEnabled).toBeUndefined();
  });

  it('stores the configuration and creates a value-less AWSPENDING placeholder under the token', () => {
    const { store } = givenStore('2026-03-10T00:00:00Z');
    const { token: v1 } = created(store);
    const token = randomUUID();
    const plan = store.beginRotation('app/db', {
      clientRequestToken: token,
      rotationLambdaArn: lambda,
      rotationRules: { AutomaticallyAfterDays: 7 },
    });
    expect(plan).toMatchObject({
      clientRequestToken: token,
      rotationLambdaArn: lambda,
      mode: 'rotate',
      createdPlaceholder: true,
    });
    const secret = store.describe('app/db');
    expect(secret).toMatchObject({
      rotationEnabled: true,
      rotationLambdaArn: lambda,
      rotationRules: { AutomaticallyAfterDays: 7 },
    });
    expect(secret.nextRotationAt).toEqual(new Date('2026-03-17T00:00:00Z'));
    expect(stages(store, 'app/db')).toEqual({ [v1]: [AWSCURRENT], [token]: [AWSPENDING] });
    expectAwsError(() => store.getSecretValue('app/db', { versionStage: AWSPENDING }), 'ResourceNotFoundException');
    // The createSecret step fills the placeholder.
    store.putSecretValue('app/db', { clientRequestToken: token, value: text('v2'), versionStages: [AWSPENDING] });
    expect(store.getSecretValue('app/db', { versionStage: AWSPENDING }).version.value).toEqual(text('v2'));
  });

  it('refuses a new rotation while AWSPENDING is on another version, and re-runs the one with the same token', () => {
    const { store } = givenStore();
    created(store);
    const token = randomUUID();
    store.beginRotation('app/db', { clientRequestToken: token, rotationLambdaArn: lambda });
    const before = stages(store, 'app/db');
    expectAwsError(
      () => store.beginRotation('app/db', { clientRequestToken: randomUUID() }),
      'InvalidRequestException',
      /previous rotation/,
    );
    expect(stages(store, 'app/db')).toEqual(before);
    const rerun = store.beginRotation('app/db', { clientRequestToken: token });
    expect(rerun.createdPlaceholder).toBe(false);
    expect(stages(store, 'app/db')).toEqual(before);
  });

  it('moves a leftover AWSPENDING off the AWSCURRENT version', () => {
    const { store } = givenStore();
    const { token: v1 } = created(store);
    store.updateSecretVersionStage('app/db', { versionStage: AWSPENDING, moveToVersionId: v1 });
    const token = randomUUID();
    store.beginRotation('app/db', { clientRequestToken: token, rotationLambdaArn: lambda });
    expect(stages(store, 'app/db')).toEqual({ [v1]: [AWSCURRENT], [token]: [AWSPENDING] });
  });

  it('refuses a token that already names a finished version', () => {
    const { store } = givenStore();
    const { token: v1 } = created(store);
    expectAwsError(
      () => store.beginRotation('app/db', { clientRequestToken: v1, rotationLambdaArn: lambda }),
      'InvalidRequestException',
    );
  });

  it('turns bad RotationRules into InvalidParameterException without storing anything', () => {
    const { store } = givenStore();
    created(store);
    expectAwsError(
      () =>
        store.beginRotation('app/db', {
          clientRequestToken: randomUUID(),
          rotationLambdaArn: lambda,
          rotationRules: { ScheduleExpression: 'cron(0 25 * * ? *)' },
        }),
      'InvalidParameterException',
      /Hours/,
    );
    expect(store.describe('app/db').rotationEnabled).toBeUndefined();
    expect(store.describe('app/db').versions).toHaveLength(1);
  });

  it('records success: LastRotatedDate now and NextRotationDate from the rules', () => {
    const { store, advance } = givenStore('2026-03-10T00:00:00Z');
    created(store);
    const plan = store.beginRotation('app/db', {
      clientRequestToken: randomUUID(),
      rotationLambdaArn: lambda,
      rotationRules: { ScheduleExpression: 'rate(12 hours)' },
    });
    advance(60_000);
    store.recordRotationSucceeded(plan.secretArn);
    const secret = store.describe('app/db');
    expect(secret.lastRotatedAt).toEqual(new Date('2026-03-10T00:01:00Z'));
    expect(secret.nextRotationAt).toEqual(new Date('2026-03-10T12:01:00Z'));
  });

  it('tests RotateImmediately=false on a temporary AWSPENDING copy of the current value, removed afterwards', () => {
    const { store } = givenStore();
    const { token: v1 } = created(store);
    const plan = store.beginRotation('app/db', {
      clientRequestToken: randomUUID(),
      rotationLambdaArn: lambda,
      rotateImmediately: false,
    });
    expect(plan.mode).toBe('test-only');
    expect(store.getSecretValue('app/db', { versionStage: AWSPENDING }).version).toMatchObject({
      versionId: plan.clientRequestToken,
      value: text('v1'),
    });
    store.removeRotationPlaceholder(plan.secretArn, plan.clientRequestToken);
    expect(stages(store, 'app/db')).toEqual({ [v1]: [AWSCURRENT] });
    expect(store.describe('app/db').versions).toHaveLength(1);
    // A version that carries any other label is never removed this way.
    store.removeRotationPlaceholder(plan.secretArn, v1);
    expect(store.describe('app/db').versions).toHaveLength(1);
  });

  it('cancels: rotation off, next date cleared, labels untouched, the unfinished version reported', () => {
    const { store } = givenStore();
    created(store);
    const token = randomUUID();
    store.beginRotation('app/db', {
      clientRequestToken: token,
      rotationLambdaArn: lambda,
      rotationRules: { AutomaticallyAfterDays: 1 },
    });
    const before = stages(store, 'app/db');
    expect(store.cancelRotation('app/db').pendingVersionId).toBe(token);
    const secret = store.describe('app/db');
    expect(secret.rotationEnabled).toBe(false);
    expect(secret.nextRotationAt).toBeUndefined();
    expect(stages(store, 'app/db')).toEqual(before);
  });
});

describe('SecretsManagerState: label history', () => {
  const lambda = 'arn:aws:lambda:eu-west-1:111122223333:function:rotate';

  it('journals every label attached and detached, through a rotation, a hand fix and a forced delete', () => {
    const { store } = givenStore();
    const { arn, token: v1 } = created(store);
    const v2 = randomUUID();
    store.beginRotation('app/db', { clientRequestToken: v2, rotationLambdaArn: lambda });
    store.putSecretValue(arn, { clientRequestToken: v2, value: text('v2'), versionStages: [AWSPENDING] });
    store.updateSecretVersionStage(arn, { versionStage: AWSCURRENT, moveToVersionId: v2, removeFromVersionId: v1 });
    store.updateSecretVersionStage(arn, { versionStage: AWSPENDING, removeFromVersionId: v2 });
    store.deleteSecret(arn, { forceDeleteWithoutRecovery: true });

    const changes = store.labelHistory(arn).map(({ versionId, label, change }) => [versionId, label, change]);
    expect(changes).toEqual([
      [v1, AWSCURRENT, 'attached'],
      [v2, AWSPENDING, 'attached'],
      [v1, AWSCURRENT, 'detached'],
      [v2, AWSCURRENT, 'attached'],
      [v1, AWSPREVIOUS, 'attached'],
      [v2, AWSPENDING, 'detached'],
    ]);
    // Kept after the secret is gone, so a test can tell which versions were lost with it.
    expect(store.labelHistory(arn)).toHaveLength(6);
    expect(store.labelHistory(arn)[0]).toMatchObject({ secretArn: arn, at: expect.any(Date) as Date });
  });

  it('has nothing for a secret it never saw', () => {
    const { store } = givenStore();
    expect(store.labelHistory('app/none')).toEqual([]);
  });
});

describe('SecretsManagerState: change notifications and snapshots', () => {
  it('notifies after changes but not after reads that change nothing', () => {
    const { store, changes } = givenStore();
    created(store);
    const afterCreate = changes();
    store.getSecretValue('app/db');
    const afterFirstRead = changes();
    expect(afterFirstRead).toBe(afterCreate + 1);
    store.getSecretValue('app/db');
    store.describe('app/db');
    expect(changes()).toBe(afterFirstRead);
  });

  it('exports deep copies and imports them back', () => {
    const { store } = givenStore();
    created(store);
    const exported = store.exportSecrets();
    (exported[0] as { name: string }).name = 'mutated';
    expect(store.describe('app/db').name).toBe('app/db');
    const { store: other } = givenStore();
    other.importSecrets(store.exportSecrets());
    expect(other.getSecretValue('app/db').version.value).toEqual(text('v1'));
  });
});
