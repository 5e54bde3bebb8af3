/**
 * Fault injection in the local SNS, for alert publishers that must survive SNS failing:
 * server errors and throttling are retried by the SDK, client errors are not.
 */
import { CreateTopicCommand, ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { startLocalSns, type LocalSns } from '../../../local/sns/local-sns';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };

describe('local SNS: fault injection', () => {
  let sns: LocalSns;
  let topicArn: string;
  const clients: SNSClient[] = [];

  const clientWith = (maxAttempts: number) => {
    const client = new SNSClient({ endpoint: sns.endpoint, region: 'us-east-1', credentials, maxAttempts });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    sns = await startLocalSns();
    topicArn = (await clientWith(1).send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn ?? '';
  });

  afterEach(() => {
    sns.faults.clear();
    sns.clear();
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await sns.stop();
  });

  const publish = (client: SNSClient) => client.send(new PublishCommand({ TopicArn: topicArn, Message: 'alert' }));

  test('the next N calls fail with InternalError (HTTP 500) by default, record nothing, then succeed', async () => {
    const client = clientWith(1);
    sns.faults.failNext('Publish', 2);
    for (let i = 0; i < 2; i++) {
      await expect(publish(client)).rejects.toMatchObject({
        name: 'InternalErrorException',
        $metadata: { httpStatusCode: 500 },
      });
    }
    expect(sns.messages()).toEqual([]);
    await expect(publish(client)).resolves.toMatchObject({ MessageId: expect.any(String) as string });
    expect(sns.messages()).toHaveLength(1);
  });

  test("the SDK's retries ride over InternalError and Throttled (HTTP 429)", async () => {
    const retrying = clientWith(3);
    sns.faults.failNext('Publish', 1, 'InternalError');
    sns.faults.failNext('Publish', 1, 'Throttled');
    const out = await publish(retrying);
    expect(out.$metadata.attempts).toBe(3);
    expect(sns.messages()).toHaveLength(1);
  });

  test('client errors are not retried, and only the planned action fails', async () => {
    const retrying = clientWith(3);
    sns.faults.failNext('Publish', 1, 'AuthorizationError');
    await expect(retrying.send(new ListTopicsCommand({}))).resolves.toBeDefined();
    await expect(publish(retrying)).rejects.toMatchObject({
      name: 'AuthorizationErrorException',
      $metadata: { httpStatusCode: 403, attempts: 1 },
    });
  });

  test('plans can be listed and cleared; nonsense plans are refused', () => {
    sns.faults.failNext('CreateTopic', 2, 'Throttled');
    expect(sns.faults.pending()).toEqual([{ operation: 'CreateTopic', remaining: 2, fault: 'Throttled' }]);
    sns.faults.clear();
    expect(sns.faults.pending()).toEqual([]);
    expect(() => {
      sns.faults.failNext('Publish', 0);
    }).toThrow(/positive/);
    expect(() => {
      sns.faults.failNext('Publish', 1, 'no such code!');
    }).toThrow(/identifier/);
  });
});
