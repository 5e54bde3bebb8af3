import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { runRotationStep } from '../../../functions/rotate-secret/rotation';
import { SecretStore } from '../../../functions/shared/secret-store';
import {
  assertRotatableByKeyturn,
  isRdsManagedSecret,
  managedSecretRefusal,
  owningServiceOf,
} from '../../../functions/strategies/database/rds-managed';
import { createStrategyRegistry } from '../../../functions/strategies/registry';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf';
const TOKEN = '11111111-2222-3333-4444-555555555555';

/** What `fn` throws (undefined when it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('isRdsManagedSecret', () => {
  it('recognises OwningService rds, the owning-service tag, and an rds! name', () => {
    expect(isRdsManagedSecret({ name: 'x', tags: {}, owningService: 'rds' })).toBe(true);
    expect(isRdsManagedSecret({ name: 'x', tags: { 'aws:secretsmanager:owningService': 'rds' } })).toBe(true);
    expect(isRdsManagedSecret({ name: 'rds!cluster-abc', tags: {} })).toBe(true);
    expect(isRdsManagedSecret({ name: 'db/app', tags: {} })).toBe(false);
    expect(isRdsManagedSecret({ name: 'x', tags: {}, owningService: 'appflow' })).toBe(false);
    expect(owningServiceOf({ name: 'x', tags: {}, owningService: 'appflow' })).toBe('appflow');
  });
});

describe('the refusal', () => {
  it('says RDS manages the secret and where to turn rotation on', () => {
    const error = managedSecretRefusal({ arn: ARN, name: 'rds!db-1234', tags: {}, owningService: 'rds' });
    expect(error).toMatchObject({
      name: 'RdsManagedSecretError',
      message: `secret ${ARN} is managed by Amazon RDS (OwningService rds): RDS rotates it itself; turn rotation on in RDS, not keyturn`,
    });
  });

  it('refuses secrets of other services with their name, and lets user-owned secrets through', () => {
    expect(
      thrown(() => {
        assertRotatableByKeyturn({ arn: 'a', name: 'appflow!x', tags: {}, owningService: 'appflow' });
      }),
    ).toMatchObject({
      name: 'ServiceManagedSecretError',
      message: expect.stringContaining('"appflow"') as string,
    });
    expect(
      thrown(() => {
        assertRotatableByKeyturn({ arn: 'a', name: 'db/app', tags: {} });
      }),
    ).toBeUndefined();
  });
});

describe('the rotation function refuses an RDS-managed secret', () => {
  const sm = mockClient(SecretsManagerClient);
  const store = new SecretStore(new SecretsManagerClient({}));
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

  beforeEach(() => {
    sm.reset();
    sm.on(DescribeSecretCommand).resolves({
      ARN,
      Name: 'rds!db-1234',
      OwningService: 'rds',
      RotationEnabled: true,
      VersionIdsToStages: { current: ['AWSCURRENT'], [TOKEN]: ['AWSCURRENT', 'AWSPENDING'] },
      Tags: [{ Key: 'aws:rds:primaryDBInstanceArn', Value: 'arn:aws:rds:us-east-1:123456789012:db:orders' }],
    });
  });

  it.each(['createSecret', 'setSecret', 'testSecret', 'finishSecret'])(
    '%s: RdsManagedSecretError before reading a value or writing anything',
    async (Step) => {
      await expect(
        runRotationStep({ Step, SecretId: ARN, ClientRequestToken: TOKEN } as Parameters<typeof runRotationStep>[0], {
          store,
          strategies: createStrategyRegistry(),
          logger,
        }),
      ).rejects.toMatchObject({ name: 'RdsManagedSecretError' });
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
      expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
      expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
    },
  );

  it('SecretStore.describe reports the owning service', async () => {
    await expect(store.describe(ARN)).resolves.toMatchObject({ owningService: 'rds', name: 'rds!db-1234' });
  });
});
