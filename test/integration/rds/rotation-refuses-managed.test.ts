/**
 * keyturn's rotation function refuses a secret Amazon RDS manages (`rds!...`, OwningService rds)
 * at every step, with RdsManagedSecretError, and changes nothing: no version, no label, no value.
 */
import { DescribeSecretCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { valueAt } from '../../support/secrets';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
});
afterAll(() => stack.stop());

describe('the rotation function and an RDS-managed secret', () => {
  it.each(['createSecret', 'setSecret', 'testSecret', 'finishSecret'])(
    '%s is refused with a message that says RDS rotates it, and nothing changes',
    async (Step) => {
      const value = JSON.stringify({ username: 'postgres', password: `Rds-Owned-${Step}-pw` });
      const secret = stack.secretsManager.createServiceOwnedSecret({
        owningService: 'rds',
        value,
        tags: [{ Key: 'aws:rds:primaryDBInstanceArn', Value: 'arn:aws:rds:us-east-1:123456789012:db:orders' }],
      });
      const before = await stack.client.send(new DescribeSecretCommand({ SecretId: secret.arn }));

      const error = (await stack
        .rotationHandler({ Step, SecretId: secret.arn, ClientRequestToken: randomUUID() })
        .catch((e: unknown) => e)) as Error;

      expect(error).toMatchObject({
        name: 'RdsManagedSecretError',
        message:
          `secret ${secret.arn} is managed by Amazon RDS (OwningService rds): ` +
          'RDS rotates it itself; turn rotation on in RDS, not keyturn',
      });
      expect(error.message).not.toContain(value);
      const after = await stack.client.send(new DescribeSecretCommand({ SecretId: secret.arn }));
      expect(after.VersionIdsToStages).toEqual(before.VersionIdsToStages);
      expect(after.LastChangedDate).toEqual(before.LastChangedDate);
      const versions = await stack.client.send(
        new ListSecretVersionIdsCommand({ SecretId: secret.arn, IncludeDeprecated: true }),
      );
      expect(versions.Versions).toHaveLength(1);
      expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).toBe(value);
    },
  );
});
