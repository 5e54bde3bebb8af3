import { DescribeServicesCommand, ECSClient, ListServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { refreshEcsService } from '../../../functions/tasks/ecs-refresh';
import { refreshLambdaFunction, type LambdaFunctionApi } from '../../../functions/tasks/lambda-refresh';
import { sdkConsumerApis } from '../../../functions/tasks/consumer-apis';
import { startLocalEcs, type LocalEcs } from '../../../local/ecs';
import { startLocalLambda, type LocalLambda } from '../../../local/lambda';

/** keyturn's local ECS and Lambda APIs through the real SDK, and the refresh logic on top of them. */
let ecs: LocalEcs;
let lambda: LocalLambda;
let ecsClient: ECSClient;
let lambdaClient: LambdaClient;
const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
const noSleep = { sleep: () => Promise.resolve() };

beforeAll(async () => {
  [ecs, lambda] = await Promise.all([startLocalEcs(), startLocalLambda()]);
  ecsClient = new ECSClient({ endpoint: ecs.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  lambdaClient = new LambdaClient({ endpoint: lambda.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  // The coordinator's own clients find the endpoints as a deployed one would: in the environment.
  process.env.AWS_ENDPOINT_URL_ECS = ecs.endpoint;
  process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.endpoint;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'keyturn-local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'keyturn-local';
  ecs.createCluster('shop');
});
afterAll(async () => {
  ecsClient.destroy();
  lambdaClient.destroy();
  await Promise.all([ecs.stop(), lambda.stop()]);
});

describe('local ECS', () => {
  it('UpdateService forceNewDeployment adds a PRIMARY deployment; DescribeServices shows both; missing is a failure', async () => {
    ecs.createService('shop', 'web');
    const before = Date.now();
    const updated = await ecsClient.send(
      new UpdateServiceCommand({ cluster: 'shop', service: 'web', forceNewDeployment: true }),
    );
    const described = await ecsClient.send(new DescribeServicesCommand({ cluster: 'shop', services: ['web', 'gone'] }));

    const deployments = described.services?.[0]?.deployments ?? [];
    expect(deployments.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);
    expect(deployments[0]?.id).toBe(updated.service?.deployments?.[0]?.id);
    expect(deployments[0]?.createdAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(described.failures).toEqual([{ arn: 'gone', reason: 'MISSING' }]);
    expect((await ecsClient.send(new ListServicesCommand({ cluster: 'shop' }))).serviceArns).toContain(
      described.services?.[0]?.serviceArn,
    );
    await expect(
      ecsClient.send(new UpdateServiceCommand({ cluster: 'nowhere', service: 'web', forceNewDeployment: true })),
    ).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
  });

  it("the refresh skips a service whose deployment started after the switch, and names ECS's refusal", async () => {
    ecs.createService('shop', 'cart');
    const api = await sdkConsumerApis().ecs();
    const first = await refreshEcsService(api, { cluster: 'shop', service: 'cart' }, new Date(Date.now() - 60_000));
    const again = await refreshEcsService(api, { cluster: 'shop', service: 'cart' }, new Date(Date.now() - 60_000));
    expect([first.outcome, again.outcome]).toEqual(['already-refreshed', 'already-refreshed']);
    // Switched after the service's only deployment: one new deployment, then none.
    const switched = new Date(Date.now() + 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await refreshEcsService(api, { cluster: 'shop', service: 'cart' }, switched)).outcome).toBe('refreshed');
    expect((await refreshEcsService(api, { cluster: 'shop', service: 'cart' }, switched)).outcome).toBe(
      'already-refreshed',
    );
    expect(ecs.service('shop', 'cart')?.deployments).toHaveLength(2);
    ecs.setServiceStatus('shop', 'cart', 'DRAINING');
    expect(await refreshEcsService(api, { cluster: 'shop', service: 'cart' }, new Date())).toMatchObject({
      outcome: 'failed',
      error: 'ServiceNotActiveException',
    });
    ecs.faults.failNext('DescribeServices', 1, 'AccessDeniedException');
    expect(await refreshEcsService(api, { cluster: 'shop', service: 'web' }, new Date())).toMatchObject({
      outcome: 'failed',
      error: 'AccessDeniedException',
    });
  });
});

describe('local Lambda', () => {
  it('UpdateFunctionConfiguration replaces the variables and honours RevisionId; InProgress refuses another update', async () => {
    lambda.createFunction('billing', { AA: '1', BB: '2' });
    const read = await lambdaClient.send(new GetFunctionConfigurationCommand({ FunctionName: 'billing' }));
    lambda.changeVariables('billing', { AA: '1', BB: '2', CC: '3' }); // someone else deploys in between

    await expect(
      lambdaClient.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'billing',
          Environment: { Variables: { AA: '1' } },
          RevisionId: read.RevisionId,
        }),
      ),
    ).rejects.toMatchObject({ name: 'PreconditionFailedException' });
    lambda.setUpdateDelay(10_000);
    const fresh = await lambdaClient.send(new GetFunctionConfigurationCommand({ FunctionName: 'billing' }));
    await lambdaClient.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'billing',
        Environment: { Variables: { AA: '9' } },
        RevisionId: fresh.RevisionId,
      }),
    );
    await expect(
      lambdaClient.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'billing', Environment: {} })),
    ).rejects.toMatchObject({ name: 'ResourceConflictException' });
    lambda.setUpdateDelay(0);
    expect(lambda.function('billing').variables).toEqual({ AA: '9' }); // the whole map was replaced
    await expect(
      lambdaClient.send(new GetFunctionConfigurationCommand({ FunctionName: 'nope' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('the refresh merges one variable, reading again when the function changed meanwhile, and is idempotent', async () => {
    lambda.createFunction('invoicer', { TABLE: 'invoices' });
    const real = await sdkConsumerApis().lambda();
    let raced = false;
    // A deploy lands between the refresh's read and its update.
    const racing: LambdaFunctionApi = {
      getConfiguration: (name) => real.getConfiguration(name),
      async updateVariables(name, variables, revisionId) {
        if (!raced) {
          raced = true;
          lambda.changeVariables('invoicer', { TABLE: 'invoices', FEATURE: 'on' });
        }
        return real.updateVariables(name, variables, revisionId);
      },
    };
    const version = 'a'.repeat(36);
    const first = await refreshLambdaFunction(racing, 'invoicer', 'KEYTURN_SECRET_VERSION_X', version, noSleep);
    const second = await refreshLambdaFunction(real, 'invoicer', 'KEYTURN_SECRET_VERSION_X', version, noSleep);

    expect([first.outcome, second.outcome]).toEqual(['refreshed', 'already-refreshed']);
    expect(lambda.function('invoicer').variables).toEqual({
      TABLE: 'invoices',
      FEATURE: 'on',
      KEYTURN_SECRET_VERSION_X: version,
    });
  });

  it("a refresh that Lambda refuses says why without repeating Lambda's message", async () => {
    lambda.createFunction('big', { BLOB: 'x'.repeat(4050) });
    const api = await sdkConsumerApis().lambda();
    const outcome = await refreshLambdaFunction(api, 'big', 'KEYTURN_SECRET_VERSION_X', 'b'.repeat(36), noSleep);
    expect(outcome).toMatchObject({ outcome: 'failed', error: 'InvalidParameterValueException' });
    expect(JSON.stringify(outcome)).not.toContain('xxxx');
    expect(lambda.function('big').configurationUpdates).toBe(0);
  });
});
