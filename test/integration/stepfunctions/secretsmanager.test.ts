import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  startLocalSecretsManager,
  type LocalSecretsManager,
} from '../../../local/secretsmanager/local-secrets-manager';
import { runStateMachine } from '../../../local/stepfunctions/runner';
import { SDK_SERVICE_INTEGRATIONS } from '../../../local/stepfunctions/sdk-integrations';
import { assertValidAsl } from '../../support/asl';

const describeSecret = {
  StartAt: 'Describe',
  States: {
    Describe: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:secretsmanager:describeSecret',
      Parameters: { 'SecretId.$': '$.secretId' },
      ResultSelector: { 'arn.$': '$.ARN', 'name.$': '$.Name' },
      Catch: [{ ErrorEquals: ['SecretsManager.ResourceNotFoundException'], ResultPath: '$.error', Next: 'Missing' }],
      End: true,
    },
    Missing: { Type: 'Pass', End: true },
  },
};

describe('runStateMachine: aws-sdk:secretsmanager against the local Secrets Manager', () => {
  let secretsManager: LocalSecretsManager;
  let client: SecretsManagerClient;
  const previousEndpoint = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;

  beforeAll(async () => {
    secretsManager = await startLocalSecretsManager();
    // What local/stack.ts does: the runner's SDK client finds the endpoint in the environment.
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secretsManager.endpoint;
    client = new SecretsManagerClient({ endpoint: secretsManager.endpoint });
  });

  afterAll(async () => {
    client.destroy();
    await secretsManager.stop();
    if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    else process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = previousEndpoint;
  });

  it('validates', () => {
    assertValidAsl(describeSecret);
  });

  it('describes a secret and returns its ARN', async () => {
    const created = await client.send(new CreateSecretCommand({ Name: 'sfn/describe', SecretString: 'v1' }));
    const result = await runStateMachine(describeSecret, { secretId: 'sfn/describe' });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { arn: created.ARN, name: 'sfn/describe' } });
    expect(result.history).toEqual(['Describe']);
  });

  it('reports SDK errors under Step Functions names, catchable by them', async () => {
    const result = await runStateMachine(describeSecret, { secretId: 'sfn/absent' });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.history).toEqual(['Describe', 'Missing']);
    const output = result.output as { error: { Error: string; Cause: string } };
    expect(output.error.Error).toBe('SecretsManager.ResourceNotFoundException');
    expect(output.error.Cause).toMatch(/\(Service: SecretsManager, Status Code: 400, Request ID: /);
  });

  it('names a service error without the Exception suffix as Step Functions does (InternalServiceError), so Retry matches it', async () => {
    await client.send(new CreateSecretCommand({ Name: 'sfn/flaky', SecretString: 'v1' }));
    secretsManager.faults.failNext('DescribeSecret', 1, 'InternalServiceError');
    const retried = {
      StartAt: 'Describe',
      States: {
        Describe: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:secretsmanager:describeSecret',
          Parameters: { SecretId: 'sfn/flaky' },
          Retry: [{ ErrorEquals: ['SecretsManager.InternalServiceErrorException'], MaxAttempts: 1 }],
          End: true,
        },
      },
    };
    const flaky = new SecretsManagerClient({ endpoint: secretsManager.endpoint, maxAttempts: 1 });
    const integration = SDK_SERVICE_INTEGRATIONS.secretsmanager;
    if (!integration) throw new Error('the runner has no Secrets Manager integration');
    try {
      // One attempt per task (the SDK's own retries would hide the fault): the state's Retry must catch it.
      const result = await runStateMachine(
        retried,
        {},
        { sdkServices: { secretsmanager: { ...integration, createClient: () => flaky } } },
      );
      expect(result.status).toBe('SUCCEEDED');
      expect(result.events.filter((event) => event.type === 'StateRetried')).toHaveLength(1);
    } finally {
      flaky.destroy();
    }
  });

  it('fails the execution with the mapped name when nothing catches it', async () => {
    const uncaught = {
      StartAt: 'Rotate',
      States: {
        Rotate: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:secretsmanager:rotateSecret',
          Parameters: { SecretId: 'sfn/absent' },
          End: true,
        },
      },
    };
    const result = await runStateMachine(uncaught, {});
    expect(result).toMatchObject({ status: 'FAILED', error: 'SecretsManager.ResourceNotFoundException' });
  });
});
