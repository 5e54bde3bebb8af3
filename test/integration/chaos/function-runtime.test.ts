import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ROTATE_SECRET_FUNCTION } from '../../../infra/constructs/bundling-options';
import {
  startLocalSecretsManager,
  type LocalSecretsManager,
} from '../../../local/secretsmanager/local-secrets-manager';
import { FunctionRuntime, type ExecutionEnvironment, type InvocationOwner } from '../../chaos/function-runtime';
import type { TapDecision } from '../../chaos/request-tap';
import { buildFunctionBundle, type FunctionBundle } from '../../support/bundled-function';

/**
 * The chaos suite's Lambda runtime: the rotation function's bundle in processes of its own, one
 * invocation at a time each. A process killed in the middle of a call fails that invocation as
 * Lambda reports a runtime crash, and the next invocation runs in another process.
 */

const IDLE_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:chaos-idle';

describe('the chaos function runtime', () => {
  let manager: LocalSecretsManager;
  let bundle: FunctionBundle;
  let runtime: FunctionRuntime;

  beforeAll(async () => {
    [manager, bundle] = await Promise.all([startLocalSecretsManager(), buildFunctionBundle(ROTATE_SECRET_FUNCTION)]);
    runtime = new FunctionRuntime({
      bundle,
      secretsManagerEndpoint: manager.endpoint,
      environment: { POWERTOOLS_LOG_LEVEL: 'INFO', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      warm: 1,
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime.stop();
    bundle.remove();
    await manager.stop();
  });

  const event = {
    Step: 'createSecret',
    SecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:chaos/none-AbCdEf',
    ClientRequestToken: '0b6f1a3e-6c51-4a4e-9d59-3c1c3f1f0a01',
  };

  function owner(
    decide: (environment: ExecutionEnvironment) => TapDecision | undefined,
  ): InvocationOwner & { logs: string[] } {
    const logs: string[] = [];
    return {
      logs,
      capture: (_stream, text) => logs.push(text),
      onSecretsManagerRequest: (_request, environment) => decide(environment),
    };
  }

  it('runs the handler in a process of its own: its errors come back by name, its logs to the owner', async () => {
    const quiet = owner(() => undefined);
    await expect(runtime.invoke(quiet, event)).rejects.toMatchObject({ name: 'SecretNotFoundError' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(quiet.logs.join('')).toContain('SecretNotFoundError');
  });

  it('a process killed mid-call fails the invocation as a runtime crash; the next one runs in a new process', async () => {
    const pids: number[] = [];
    const killer = owner((environment) => ({
      before: async () => {
        await runtime.kill(environment);
        return 'drop';
      },
    }));
    await expect(
      runtime.invoke(killer, event, { onEnvironment: (environment) => pids.push(environment.process.pid) }),
    ).rejects.toMatchObject({
      name: 'Runtime.ExitError',
      message: expect.stringContaining('signal: killed') as string,
    });
    await expect(
      runtime.invoke(
        owner(() => undefined),
        event,
        {
          onEnvironment: (environment) => pids.push(environment.process.pid),
        },
      ),
    ).rejects.toMatchObject({ name: 'SecretNotFoundError' });
    expect(pids[1]).not.toBe(pids[0]);
  });

  it('crashes after the handler answered when asked: the answer is lost', async () => {
    // A step whose token is already AWSCURRENT succeeds at once ("nothing to do").
    const client = new SecretsManagerClient({
      endpoint: manager.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' },
    });
    const created = await client.send(
      new CreateSecretCommand({ Name: 'chaos/runtime', SecretString: 'a-value-long-enough-1' }),
    );
    manager.registerRotationFunction(IDLE_FUNCTION_ARN, () => Promise.resolve());
    await client.send(
      new RotateSecretCommand({
        SecretId: created.ARN,
        RotationLambdaARN: IDLE_FUNCTION_ARN,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    client.destroy();
    const done = { Step: 'finishSecret', SecretId: created.ARN, ClientRequestToken: created.VersionId };
    await expect(
      runtime.invoke(
        owner(() => undefined),
        done,
      ),
    ).resolves.toBeUndefined();
    const kills = runtime.stats.kills;
    await expect(
      runtime.invoke(
        owner(() => undefined),
        done,
        { crashAfterReturn: true },
      ),
    ).rejects.toMatchObject({
      name: 'Runtime.ExitError',
    });
    expect(runtime.stats.kills).toBe(kills + 1);
  });
});
