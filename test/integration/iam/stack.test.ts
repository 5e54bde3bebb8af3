/**
 * startLocalStack({ iam: true }): the local IAM/STS beside the other local services, found by an
 * unconfigured SDK client through AWS_ENDPOINT_URL_IAM / _STS, which signs with the admin key
 * the stack put in the default credential variables — as the rotation function will. The local
 * CloudTrail beside them (AWS_ENDPOINT_URL_CLOUDTRAIL) records their calls.
 */
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { LOCAL_ACCOUNT, LOCAL_REGION, startLocalStack, type LocalStack } from '../../../local/stack';

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

test("the local CloudTrail's event history holds the calls the local IAM/STS accepted", async () => {
  const { iam, cloudTrail } = stack;
  if (!iam || !cloudTrail) throw new Error('the stack started no local IAM or CloudTrail');
  expect(process.env.AWS_ENDPOINT_URL_CLOUDTRAIL).toBe(cloudTrail.endpoint);
  expect([cloudTrail.region, cloudTrail.accountId]).toEqual([LOCAL_REGION, LOCAL_ACCOUNT]);
  const sts = new STSClient({});
  const iamClient = new IAMClient({});
  const client = new CloudTrailClient({});
  try {
    await iamClient.send(new CreateUserCommand({ UserName: 'stack-audited' }));
    await sts.send(new GetCallerIdentityCommand({}));
    const { Events } = await client.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: iam.adminCredentials.accessKeyId }],
      }),
    );
    expect(Events?.[0]).toMatchObject({ EventName: 'GetCallerIdentity', EventSource: 'sts.amazonaws.com' });
    expect(Events?.map((event) => event.EventName)).toContain('CreateUser');
  } finally {
    sts.destroy();
    iamClient.destroy();
    client.destroy();
  }
});
