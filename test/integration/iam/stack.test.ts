/**
 * startLocalStack({ iam: true }): the local IAM/STS beside the other local services, found by an
 * unconfigured SDK client through AWS_ENDPOINT_URL_IAM / _STS, which signs with the admin key
 * the stack put in the default credential variables — as the rotation function will.
 */
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startLocalStack, type LocalStack } from '../../../local/stack';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ iam: true });
});
afterAll(() => stack.stop());

test('an SDK client with no endpoint or credentials reaches the local IAM/STS as the admin user', async () => {
  const iam = stack.iam;
  if (!iam) throw new Error('the stack started no local IAM');
  expect(process.env.AWS_ENDPOINT_URL_IAM).toBe(iam.iamEndpoint);
  expect(process.env.AWS_ENDPOINT_URL_STS).toBe(iam.stsEndpoint);
  const sts = new STSClient({});
  const client = new IAMClient({});
  try {
    await expect(sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Arn: iam.adminArn,
      Account: iam.accountId,
    });
    await client.send(new CreateUserCommand({ UserName: 'stack-app' }));
    expect(iam.authentications().map((entry) => entry.outcome)).toEqual(['accepted', 'accepted']);
    // The services that accept any signature still answer the same credentials.
    await expect(stack.client.send(new ListSecretsCommand({}))).resolves.toBeDefined();
  } finally {
    sts.destroy();
    client.destroy();
  }
});
