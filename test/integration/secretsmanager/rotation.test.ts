/**
 * Rotation with an in-process rotation function, against the local Secrets Manager only (moto
 * cannot run a Node rotation function). The function is a small but honest one: it uses the SDK
 * against the server exactly as a Lambda would, and records the events it receives.
 */
import { randomUUID } from 'node:crypto';
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  startLocalSecretsManager,
  type LocalSecretsManager,
  type RotationEvent,
  type RotationFunction,
  type RotationStep,
} from '../../../local/secretsmanager/local-secrets-manager';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-test-rotation';
const DAY_MS = 86_400_000;

interface Deferred {
  readonly promise: Promise<void>;
  release(): void;
}

function deferred(): Deferred {
  let release: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

class DatabaseUnreachable extends Error {
  override readonly name = 'DatabaseUnreachable';
}

interface TestFunctionOptions {
  /** Throw DatabaseUnreachable at this step while `failing` is true. */
  failAt?: RotationStep;
  /** Wait for this gate before doing the step's work. */
  gates?: Partial<Record<RotationStep, Deferred>>;
  /** Resolved when the step is invoked (before its gate). */
  reached?: Partial<Record<RotationStep, Deferred>>;
  /** Extra checks run inside a step. */
  during?: Partial<Record<RotationStep, (event: RotationEvent) => Promise<void>>>;
}

/** A rotation function in the shape of AWS's templates: idempotent steps, explicit stages everywhere. */
function givenRotationFunction(client: SecretsManagerClient, options: TestFunctionOptions = {}) {
  const calls: RotationEvent[] = [];
  const state = { failing: options.failAt !== undefined };
  const rotationFunction: RotationFunction = async (event) => {
    calls.push(event);
    options.reached?.[event.Step]?.release();
    await options.gates?.[event.Step]?.promise;
    await options.during?.[event.Step]?.(event);
    if (state.failing && options.failAt === event.Step)
      throw new DatabaseUnreachable('the database did not answer within 5 s');
    const { SecretId: secretId, ClientRequestToken: token } = event;
    switch (event.Step) {
      case 'createSecret': {
        try {
          await client.send(
            new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }),
          );
        } catch {
          await client.send(
            new PutSecretValueCommand({
              SecretId: secretId,
              ClientRequestToken: token,
              SecretString: `rotated-${token}`,
              VersionStages: ['AWSPENDING'],
            }),
          );
        }
        return;
      }
      case 'setSecret':
        return;
      case 'testSecret':
        await client.send(
          new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }),
        );
        return;
      case 'finishSecret': {
        const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
        const current = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) =>
          stages.includes('AWSCURRENT'),
        )?.[0];
        if (current !== token) {
          await client.send(
            new UpdateSecretVersionStageCommand({
              SecretId: secretId,
              VersionStage: 'AWSCURRENT',
              MoveToVersionId: token,
              RemoveFromVersionId: current,
            }),
          );
        }
        await client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretId,
            VersionStage: 'AWSPENDING',
            RemoveFromVersionId: token,
          }),
        );
        return;
      }
    }
  };
  return { rotationFunction, calls, state };
}

describe('local Secrets Manager: rotation with a registered function', () => {
  let manager: LocalSecretsManager;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    manager = await startLocalSecretsManager();
    client = new SecretsManagerClient({
      endpoint: manager.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    await manager.stop();
    client.destroy();
  });

  async function createSecret(name: string, value = 'v1') {
    const out = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    return { arn: out.ARN as string, versionId: out.VersionId as string };
  }

  async function stagesOf(secretId: string) {
    return (await client.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};
  }

  function register(arn: string, options: TestFunctionOptions = {}) {
    const fn = givenRotationFunction(client, options);
    manager.registerRotationFunction(arn, fn.rotationFunction);
    return fn;
  }

  test('RotateSecret answers at once and the four steps then run in order, with the event AWS sends', async () => {
    const secret = await createSecret('rotation/happy');
    const gate = deferred();
    const fn = register(`${FUNCTION_ARN}-happy`, { gates: { createSecret: gate } });

    const out = await client.send(
      new RotateSecretCommand({
        SecretId: secret.arn,
        RotationLambdaARN: `${FUNCTION_ARN}-happy`,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    const token = out.VersionId as string;
    expect(out).toMatchObject({ ARN: secret.arn, Name: 'rotation/happy' });
    // RotateSecret has answered while createSecret is still held: the rotation runs asynchronously.
    expect(manager.rotationHistory('rotation/happy')).toEqual([
      expect.objectContaining({ outcome: 'in-progress', eventName: 'RotationStarted' }),
    ]);
    expect(await stagesOf(secret.arn)).toEqual({ [secret.versionId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
    gate.release();

    const record = await manager.waitForRotation('rotation/happy', token);
    expect(record).toMatchObject({
      secretArn: secret.arn,
      secretName: 'rotation/happy',
      clientRequestToken: token,
      rotationLambdaArn: `${FUNCTION_ARN}-happy`,
      mode: 'rotate',
      outcome: 'succeeded',
      eventName: 'RotationSucceeded',
      step: 'finishSecret',
      completedSteps: ['createSecret', 'setSecret', 'testSecret', 'finishSecret'],
    });
    expect(record.error).toBeUndefined();
    expect(record.endedAt?.getTime()).toBeGreaterThanOrEqual(record.startedAt.getTime());
    expect(fn.calls).toEqual(
      (['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const).map((Step) => ({
        Step,
        SecretId: secret.arn,
        ClientRequestToken: token,
        RotationToken: record.rotationToken,
      })),
    );
    expect(record.rotationToken).toMatch(/^[0-9a-f-]{36}$/);

    expect(await stagesOf(secret.arn)).toEqual({ [secret.versionId]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] });
    expect((await client.send(new GetSecretValueCommand({ SecretId: secret.arn }))).SecretString).toBe(
      `rotated-${token}`,
    );
    const described = await client.send(new DescribeSecretCommand({ SecretId: secret.arn }));
    expect(described).toMatchObject({
      RotationEnabled: true,
      RotationLambdaARN: `${FUNCTION_ARN}-happy`,
      RotationRules: { AutomaticallyAfterDays: 30 },
    });
    const lastRotated = (described.LastRotatedDate as Date).getTime();
    expect(Math.abs(lastRotated - (record.endedAt as Date).getTime())).toBeLessThan(1_000);
    expect((described.NextRotationDate as Date).getTime() - lastRotated).toBeCloseTo(30 * DAY_MS, -3);
  });

  test('a step that throws stops the rotation, is recorded with its error, leaves the labels, and the same token re-runs it', async () => {
    const secret = await createSecret('rotation/failing');
    const fn = register(`${FUNCTION_ARN}-failing`, { failAt: 'setSecret' });
    const first = await client.send(
      new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: `${FUNCTION_ARN}-failing` }),
    );
    const token = first.VersionId as string;

    const failed = await manager.waitForRotation(secret.arn, token);
    expect(failed).toMatchObject({
      outcome: 'failed',
      eventName: 'RotationFailed',
      step: 'setSecret',
      completedSteps: ['createSecret'],
      error: { name: 'DatabaseUnreachable', message: 'the database did not answer within 5 s' },
    });
    expect(fn.calls.map((call) => call.Step)).toEqual(['createSecret', 'setSecret']);
    expect(await stagesOf(secret.arn)).toEqual({ [secret.versionId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
    expect((await client.send(new DescribeSecretCommand({ SecretId: secret.arn }))).LastRotatedDate).toBeUndefined();

    // A new rotation is refused while the failed one's AWSPENDING version is there.
    await expect(client.send(new RotateSecretCommand({ SecretId: secret.arn }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
    });

    fn.state.failing = false;
    await client.send(new RotateSecretCommand({ SecretId: secret.arn, ClientRequestToken: token }));
    const retried = await manager.waitForRotation(secret.arn, token);
    expect(retried).toMatchObject({ outcome: 'succeeded', clientRequestToken: token });
    expect(retried.rotationToken).not.toBe(failed.rotationToken);
    expect(manager.rotationHistory(secret.arn).map((record) => record.outcome)).toEqual(['failed', 'succeeded']);
    expect(await stagesOf(secret.arn)).toEqual({ [secret.versionId]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] });
  });

  test('a Lambda ARN nobody registered fails the rotation like a failed invoke and leaves the placeholder', async () => {
    const secret = await createSecret('rotation/unregistered');
    const missingArn = `${FUNCTION_ARN}-never-registered`;
    const out = await client.send(new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: missingArn }));
    const record = await manager.waitForRotation(secret.arn, out.VersionId);
    expect(record).toMatchObject({
      outcome: 'failed',
      step: 'createSecret',
      completedSteps: [],
      error: { name: 'ResourceNotFoundException' },
    });
    expect(record.error?.message).toContain(missingArn);
    expect(await stagesOf(secret.arn)).toEqual({
      [secret.versionId]: ['AWSCURRENT'],
      [out.VersionId as string]: ['AWSPENDING'],
    });
  });

  test('RotateImmediately=false stores the schedule and runs only testSecret, against a temporary AWSPENDING copy of the current value', async () => {
    const secret = await createSecret('rotation/test-only', 'current-value');
    const seenDuringTest: { stages: Record<string, string[]>; pendingValue?: string }[] = [];
    const fn = register(`${FUNCTION_ARN}-test-only`, {
      during: {
        testSecret: async () => {
          const pending = await client.send(
            new GetSecretValueCommand({ SecretId: secret.arn, VersionStage: 'AWSPENDING' }),
          );
          seenDuringTest.push({ stages: await stagesOf(secret.arn), pendingValue: pending.SecretString });
        },
      },
    });
    const token = randomUUID();
    await client.send(
      new RotateSecretCommand({
        SecretId: secret.arn,
        ClientRequestToken: token,
        RotationLambdaARN: `${FUNCTION_ARN}-test-only`,
        RotationRules: { ScheduleExpression: 'rate(10 days)' },
        RotateImmediately: false,
      }),
    );
    const record = await manager.waitForRotation(secret.arn, token);
    expect(record).toMatchObject({
      mode: 'test-only',
      step: 'testSecret',
      completedSteps: ['testSecret'],
      outcome: 'succeeded',
    });
    expect(fn.calls.map((call) => call.Step)).toEqual(['testSecret']);
    expect(seenDuringTest).toEqual([
      { stages: { [secret.versionId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] }, pendingValue: 'current-value' },
    ]);

    // The temporary version is gone and nothing was rotated.
    const versions = await client.send(
      new ListSecretVersionIdsCommand({ SecretId: secret.arn, IncludeDeprecated: true }),
    );
    expect((versions.Versions ?? []).map((v) => v.VersionId)).toEqual([secret.versionId]);
    const described = await client.send(new DescribeSecretCommand({ SecretId: secret.arn }));
    expect(described).toMatchObject({
      RotationEnabled: true,
      RotationRules: { ScheduleExpression: 'rate(10 days)', AutomaticallyAfterDays: 10 },
    });
    expect(described.LastRotatedDate).toBeUndefined();
    expect((described.NextRotationDate as Date).getTime() - (described.CreatedDate as Date).getTime()).toBe(
      10 * DAY_MS,
    );
  });

  test('CancelRotateSecret abandons a rotation in flight before its next step and leaves the labels alone', async () => {
    const secret = await createSecret('rotation/cancelled');
    const reached = deferred();
    const gate = deferred();
    const fn = register(`${FUNCTION_ARN}-cancel`, { reached: { setSecret: reached }, gates: { setSecret: gate } });
    const out = await client.send(
      new RotateSecretCommand({
        SecretId: secret.arn,
        RotationLambdaARN: `${FUNCTION_ARN}-cancel`,
        RotationRules: { AutomaticallyAfterDays: 1 },
      }),
    );
    const token = out.VersionId as string;
    await reached.promise;
    const cancelled = await client.send(new CancelRotateSecretCommand({ SecretId: secret.arn }));
    expect(cancelled).toMatchObject({ ARN: secret.arn, VersionId: token });
    gate.release();

    const record = await manager.waitForRotation(secret.arn, token);
    expect(record).toMatchObject({
      outcome: 'abandoned',
      eventName: 'RotationAbandoned',
      step: 'setSecret',
      completedSteps: ['createSecret', 'setSecret'],
    });
    expect(fn.calls.map((call) => call.Step)).toEqual(['createSecret', 'setSecret']);
    const described = await client.send(new DescribeSecretCommand({ SecretId: secret.arn }));
    expect(described.RotationEnabled).toBe(false);
    expect(described.NextRotationDate).toBeUndefined();
    expect(described.VersionIdsToStages).toEqual({ [secret.versionId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
  });

  test('RotateSecret retried with the token of the run in flight joins that run', async () => {
    const secret = await createSecret('rotation/retried-call');
    const gate = deferred();
    const fn = register(`${FUNCTION_ARN}-retried`, { gates: { createSecret: gate } });
    const token = randomUUID();
    const rotate = () =>
      client.send(
        new RotateSecretCommand({
          SecretId: secret.arn,
          ClientRequestToken: token,
          RotationLambdaARN: `${FUNCTION_ARN}-retried`,
        }),
      );
    await rotate();
    await rotate();
    gate.release();
    await manager.waitForRotation(secret.arn, token);
    expect(manager.rotationHistory(secret.arn)).toHaveLength(1);
    expect(fn.calls.filter((call) => call.Step === 'createSecret')).toHaveLength(1);
  });

  test('waitForRotation answers at once for a rotation that already ended and rejects when none ends in time', async () => {
    const secret = await createSecret('rotation/wait');
    register(`${FUNCTION_ARN}-wait`);
    const out = await client.send(
      new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: `${FUNCTION_ARN}-wait` }),
    );
    const ended = await manager.waitForRotation('rotation/wait', out.VersionId);
    // By name, by partial ARN, without a token: the latest run of that secret.
    expect(await manager.waitForRotation('rotation/wait')).toEqual(ended);
    expect(await manager.waitForRotation(secret.arn.slice(0, -7), undefined, 10)).toEqual(ended);
    await expect(manager.waitForRotation('rotation/wait', randomUUID(), 50)).rejects.toThrow(/within 50 ms/);
    await expect(manager.waitForRotation('rotation/never-rotated', undefined, 50)).rejects.toThrow(/within 50 ms/);
  });

  test('a fault injected into an operation the function calls fails the rotation with that exception', async () => {
    const secret = await createSecret('rotation/fault');
    register(`${FUNCTION_ARN}-fault`);
    manager.faults.failNext('PutSecretValue', 1);
    const out = await client.send(
      new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: `${FUNCTION_ARN}-fault` }),
    );
    const record = await manager.waitForRotation(secret.arn, out.VersionId);
    expect(record).toMatchObject({ outcome: 'failed', step: 'createSecret', error: { name: 'InternalServiceError' } });
  });
});

describe('local Secrets Manager: stopping', () => {
  test('stop() lets a rotation in flight finish before the server closes', async () => {
    const manager = await startLocalSecretsManager();
    const client = new SecretsManagerClient({
      endpoint: manager.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' },
      maxAttempts: 1,
    });
    try {
      const slow = givenRotationFunction(client, {
        during: { setSecret: () => new Promise<void>((resolve) => setTimeout(resolve, 150)) },
      });
      manager.registerRotationFunction(FUNCTION_ARN, slow.rotationFunction);
      const created = await client.send(new CreateSecretCommand({ Name: 'rotation/slow', SecretString: 'v1' }));
      await client.send(new RotateSecretCommand({ SecretId: created.ARN, RotationLambdaARN: FUNCTION_ARN }));
      await manager.stop();
      expect(manager.rotationHistory('rotation/slow')).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
      await expect(fetch(`${manager.endpoint}/_keyturn/health`)).rejects.toThrow();
    } finally {
      await manager.stop();
      client.destroy();
    }
  });
});
