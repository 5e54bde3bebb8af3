import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import { runObservedRotationStep } from '../../../functions/rotate-secret/observed-step';
import { SecretStore } from '../../../functions/shared/secret-store';
import { createStrategyRegistry, type StrategyRegistry } from '../../../functions/strategies/registry';
import type { RotationStrategy } from '../../../functions/strategies/strategy';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:api-key-AbCdEf';
const TOKEN = '11111111-2222-3333-4444-555555555555';
const CURRENT_ID = 'aaaaaaaa-2222-3333-4444-555555555555';
const RANDOM_TAGS = [{ Key: 'keyturn:strategy', Value: 'random' }];

const sm = mockClient(SecretsManagerClient);
const store = new SecretStore(new SecretsManagerClient({}));
const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const metrics = new Metrics({ namespace: 'test', serviceName: 'test' });

function event(step: string, token = TOKEN): Record<string, string> {
  return { Step: step, SecretId: ARN, ClientRequestToken: token };
}

function givenSecret(opts: {
  rotationEnabled?: boolean;
  stages?: Record<string, string[]>;
  tags?: { Key: string; Value: string }[];
  current?: string;
  pending?: string;
}): void {
  sm.on(DescribeSecretCommand).resolves({
    ARN,
    Name: 'api-key',
    RotationEnabled: opts.rotationEnabled ?? true,
    VersionIdsToStages: opts.stages ?? { [CURRENT_ID]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] },
    Tags: opts.tags ?? RANDOM_TAGS,
  });
  sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSCURRENT' }).resolves({
    ARN,
    VersionId: CURRENT_ID,
    SecretString: opts.current ?? 'old-api-key',
    VersionStages: ['AWSCURRENT'],
  });
  const pending = sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' });
  if (opts.pending === undefined) {
    pending.rejects(new ResourceNotFoundException({ message: 'no value', $metadata: {} }));
  } else {
    pending.resolves({
      ARN,
      VersionId: TOKEN,
      SecretString: opts.pending,
      VersionStages: ['AWSPENDING'],
      CreatedDate: new Date(Date.now() - 1500),
    });
  }
  sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSPREVIOUS' }).rejects(
    new ResourceNotFoundException({ message: 'no previous', $metadata: {} }),
  );
  sm.on(ListSecretVersionIdsCommand).resolves({ Versions: [] });
}

function writes() {
  return [...sm.commandCalls(PutSecretValueCommand), ...sm.commandCalls(UpdateSecretVersionStageCommand)];
}

async function run(input: unknown, strategies: StrategyRegistry = createStrategyRegistry()): Promise<void> {
  await runObservedRotationStep(input, { store, strategies, logger, metrics });
}

beforeEach(() => sm.reset());

describe('rotation function: the event', () => {
  it.each([
    [null, /not a Secrets Manager rotation event/],
    [{ Step: 'createSecret', SecretId: ARN }, /ClientRequestToken/],
    [{ Step: 'createSecret', SecretId: '', ClientRequestToken: TOKEN }, /SecretId/],
    [{ Step: 'createSecret', SecretId: ARN, ClientRequestToken: 'short' }, /ClientRequestToken/],
  ])('rejects the malformed event %j with InvalidRotationEventError and calls nothing', async (input, message) => {
    await expect(run(input)).rejects.toMatchObject({
      name: 'InvalidRotationEventError',
      message: expect.stringMatching(message) as string,
    });
    expect(sm.calls()).toHaveLength(0);
  });

  it('rejects an unknown step by name', async () => {
    await expect(run(event('rotateEverything'))).rejects.toMatchObject({
      name: 'UnknownRotationStepError',
      message: expect.stringContaining('"rotateEverything"') as string,
    });
    expect(sm.calls()).toHaveLength(0);
  });
});

describe('rotation function: the preamble', () => {
  it('fails with SecretNotFoundError when the secret does not exist', async () => {
    sm.on(DescribeSecretCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    await expect(run(event('createSecret'))).rejects.toMatchObject({ name: 'SecretNotFoundError' });
    expect(writes()).toHaveLength(0);
  });

  it('refuses to act when rotation is not enabled', async () => {
    givenSecret({ rotationEnabled: false });
    await expect(run(event('createSecret'))).rejects.toMatchObject({ name: 'RotationNotEnabledError' });
    expect(writes()).toHaveLength(0);
  });

  it('refuses a token that is not a version of the secret', async () => {
    givenSecret({ stages: { [CURRENT_ID]: ['AWSCURRENT'] } });
    await expect(run(event('setSecret'))).rejects.toMatchObject({ name: 'UnknownRotationTokenError' });
    expect(writes()).toHaveLength(0);
  });

  it('refuses a token that is neither current nor pending', async () => {
    givenSecret({ stages: { [CURRENT_ID]: ['AWSCURRENT'], [TOKEN]: ['AWSPREVIOUS'] } });
    await expect(run(event('testSecret'))).rejects.toMatchObject({ name: 'VersionNotPendingError' });
    expect(writes()).toHaveLength(0);
  });

  it.each(['createSecret', 'setSecret', 'testSecret', 'finishSecret'])(
    '%s succeeds without writing when the token already holds AWSCURRENT',
    async (step) => {
      givenSecret({ stages: { [TOKEN]: ['AWSCURRENT'], [CURRENT_ID]: ['AWSPREVIOUS'] } });
      await run(event(step));
      expect(writes()).toHaveLength(0);
    },
  );

  it('finishSecret tidies a leftover AWSPENDING on the version that is already current', async () => {
    givenSecret({ stages: { [TOKEN]: ['AWSCURRENT', 'AWSPENDING'], [CURRENT_ID]: ['AWSPREVIOUS'] } });
    await run(event('finishSecret'));
    expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN },
    ]);
  });

  it('names the problem when nothing says how to rotate the secret', async () => {
    givenSecret({ tags: [] });
    await expect(run(event('createSecret'))).rejects.toMatchObject({
      name: 'UnknownStrategyError',
      message: expect.stringContaining('no keyturn:strategy tag and no "engine" field') as string,
    });
    expect(writes()).toHaveLength(0);
  });

  it('rejects a strategy tag that contradicts the engine field', async () => {
    givenSecret({
      tags: [{ Key: 'keyturn:strategy', Value: 'postgres-single-user' }],
      current: JSON.stringify({ engine: 'mysql' }),
    });
    await expect(run(event('createSecret'))).rejects.toMatchObject({
      name: 'InvalidSecretValueError',
      message: expect.stringContaining('"mysql"') as string,
    });
  });

  it('rejects an unsupported engine by name', async () => {
    givenSecret({ tags: [], current: JSON.stringify({ engine: 'oracle', username: 'u', password: 'p' }) });
    await expect(run(event('createSecret'))).rejects.toMatchObject({
      name: 'UnknownStrategyError',
      message: expect.stringContaining('"oracle"') as string,
    });
  });
});

describe('rotation function: createSecret', () => {
  it('stores a new value as AWSPENDING under the token', async () => {
    givenSecret({});
    sm.on(PutSecretValueCommand).resolves({});
    await run(event('createSecret'));
    const puts = sm.commandCalls(PutSecretValueCommand);
    expect(puts).toHaveLength(1);
    const input = puts[0]?.args[0].input;
    expect(input).toMatchObject({ SecretId: ARN, ClientRequestToken: TOKEN, VersionStages: ['AWSPENDING'] });
    expect(input?.SecretString).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(input?.SecretString).not.toBe('old-api-key');
  });

  it('keeps an existing pending value (idempotent after a crash)', async () => {
    givenSecret({ pending: 'already-generated' });
    await run(event('createSecret'));
    expect(writes()).toHaveLength(0);
  });
});

describe('rotation function: setSecret and testSecret', () => {
  function recordingStrategy(calls: string[]): RotationStrategy {
    const base = createStrategyRegistry().random;
    return {
      ...base,
      setSecret: (versions) => {
        calls.push(`set:${versions.pending.value}:${versions.current.value}:${versions.previous?.value ?? '-'}`);
        return Promise.resolve();
      },
      testSecret: (versions) => {
        calls.push(`test:${versions.pending.value}`);
        return Promise.resolve();
      },
    };
  }

  it('hands the strategy the pending and current versions, with no previous when there is none', async () => {
    givenSecret({ pending: 'new-value' });
    const calls: string[] = [];
    const registry = { ...createStrategyRegistry(), random: recordingStrategy(calls) };
    await run(event('setSecret'), registry);
    await run(event('testSecret'), registry);
    expect(calls).toEqual(['set:new-value:old-api-key:-', 'test:new-value']);
    expect(writes()).toHaveLength(0);
  });

  it('fails setSecret when the pending value is missing', async () => {
    givenSecret({});
    await expect(run(event('setSecret'))).rejects.toMatchObject({ name: 'SecretNotFoundError' });
  });

  it('testSecret rejects a pending value the policy could not have produced', async () => {
    givenSecret({ pending: 'short' });
    await expect(run(event('testSecret'))).rejects.toMatchObject({ name: 'PendingCredentialRejectedError' });
  });
});

describe('rotation function: finishSecret', () => {
  it('moves AWSCURRENT to the token, then removes AWSPENDING', async () => {
    givenSecret({ pending: 'new-value' });
    sm.on(UpdateSecretVersionStageCommand).resolves({});
    await run(event('finishSecret'));
    expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN, RemoveFromVersionId: CURRENT_ID },
      { SecretId: ARN, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN },
    ]);
  });

  it('re-throws a failed label move unchanged so Secrets Manager retries', async () => {
    givenSecret({ pending: 'new-value' });
    sm.on(UpdateSecretVersionStageCommand).rejects(new Error('InternalServiceError'));
    await expect(run(event('finishSecret'))).rejects.toThrow('InternalServiceError');
  });
});
