/**
 * The local SNS's topics through the real SDK (awsQuery): CreateTopic is idempotent by name,
 * ListTopics pages by 100, DeleteTopic is idempotent, and the errors AWS answers with.
 */
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  InvalidParameterException,
  ListTopicsCommand,
  SNSClient,
  TagLimitExceededException,
} from '@aws-sdk/client-sns';
import { startLocalSns, type LocalSns } from '../../../local/sns/local-sns';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };

async function listAllTopics(client: SNSClient): Promise<{ arns: string[]; pages: number }> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await client.send(new ListTopicsCommand({ NextToken: nextToken }));
    pages++;
    arns.push(...(page.Topics ?? []).map((topic) => topic.TopicArn ?? ''));
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return { arns, pages };
}

describe('local SNS: topics', () => {
  let sns: LocalSns;
  let client: SNSClient;

  beforeAll(async () => {
    sns = await startLocalSns();
    client = new SNSClient({ endpoint: sns.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    client.destroy();
    await sns.stop();
  });

  test('CreateTopic returns arn:aws:sns:<region>:<account>:<name>, and the same ARN when called again', async () => {
    const first = await client.send(new CreateTopicCommand({ Name: 'keyturn-alerts' }));
    expect(first.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:keyturn-alerts');
    expect(sns.topicArn('keyturn-alerts')).toBe(first.TopicArn);
    const again = await client.send(new CreateTopicCommand({ Name: 'keyturn-alerts' }));
    expect(again.TopicArn).toBe(first.TopicArn);
    const { arns } = await listAllTopics(client);
    expect(arns.filter((arn) => arn === first.TopicArn)).toHaveLength(1);
  });

  test('idempotent with the same attributes and tags; other attributes or tags are InvalidParameter', async () => {
    // GIVEN a topic with a display name and a tag
    const attributes = { DisplayName: 'Rotation alerts' };
    const tags = [{ Key: 'team', Value: 'platform' }];
    const created = await client.send(
      new CreateTopicCommand({ Name: 'with-attributes', Attributes: attributes, Tags: tags }),
    );

    // THEN the same request, or one naming nothing, returns it
    await expect(
      client.send(new CreateTopicCommand({ Name: 'with-attributes', Attributes: attributes, Tags: tags })),
    ).resolves.toMatchObject({ TopicArn: created.TopicArn });
    await expect(client.send(new CreateTopicCommand({ Name: 'with-attributes' }))).resolves.toMatchObject({
      TopicArn: created.TopicArn,
    });

    // AND a different attribute or tag set is refused
    await expect(
      client.send(new CreateTopicCommand({ Name: 'with-attributes', Attributes: { DisplayName: 'Other' } })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Attributes Reason: Topic already exists with different attributes',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      client.send(new CreateTopicCommand({ Name: 'with-attributes', Tags: [{ Key: 'team', Value: 'other' }] })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Tags Reason: Topic already exists with different tags',
    });
  });

  test.each([
    ['an empty name', ''],
    ['a name with a space', 'keyturn alerts'],
    ['a name of 257 characters', 'a'.repeat(257)],
  ])('%s is InvalidParameter: Topic Name', async (_case, name) => {
    await expect(client.send(new CreateTopicCommand({ Name: name }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Topic Name',
    });
  });

  test('a 256-character name of letters, digits, - and _ is fine', async () => {
    const name = `a-_9${'b'.repeat(252)}`;
    await expect(client.send(new CreateTopicCommand({ Name: name }))).resolves.toMatchObject({
      TopicArn: sns.topicArn(name),
    });
  });

  test('FIFO topics, unknown attributes and more than 50 tags are refused', async () => {
    await expect(client.send(new CreateTopicCommand({ Name: 'orders.fifo' }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(
      client.send(new CreateTopicCommand({ Name: 'fifo-by-attribute', Attributes: { FifoTopic: 'true' } })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      client.send(new CreateTopicCommand({ Name: 'odd-attribute', Attributes: { Colour: 'blue' } })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('Colour') as string,
    });
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expect(client.send(new CreateTopicCommand({ Name: 'many-tags', Tags: tags }))).rejects.toBeInstanceOf(
      TagLimitExceededException,
    );
  });

  test('ListTopics returns 100 topics a page with a NextToken; a foreign token is InvalidParameter', async () => {
    // GIVEN more than 100 topics
    const other = await startLocalSns();
    const otherClient = new SNSClient({ endpoint: other.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    try {
      for (let i = 0; i < 105; i++) {
        await otherClient.send(new CreateTopicCommand({ Name: `topic-${String(i).padStart(3, '0')}` }));
      }

      // WHEN
      const first = await otherClient.send(new ListTopicsCommand({}));
      const all = await listAllTopics(otherClient);

      // THEN
      expect(first.Topics).toHaveLength(100);
      expect(first.NextToken).toEqual(expect.any(String));
      expect(all.pages).toBe(2);
      expect(all.arns).toHaveLength(105);
      expect(new Set(all.arns).size).toBe(105);
      await expect(otherClient.send(new ListTopicsCommand({ NextToken: 'not-a-token' }))).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: 'Invalid parameter: NextToken',
      });
    } finally {
      otherClient.destroy();
      await other.stop();
    }
  });

  test("createTopic() is a fixture with CreateTopic's rules, visible through the API", async () => {
    const arn = sns.createTopic('fixture-topic');
    expect(arn).toBe(sns.topicArn('fixture-topic'));
    expect(sns.createTopic('fixture-topic')).toBe(arn);
    expect((await listAllTopics(client)).arns).toContain(arn);
    await expect(client.send(new CreateTopicCommand({ Name: 'fixture-topic' }))).resolves.toMatchObject({
      TopicArn: arn,
    });
    expect(() => sns.createTopic('bad name')).toThrow('Invalid parameter: Topic Name');
  });

  test('DeleteTopic removes the topic and is idempotent; a malformed ARN is InvalidParameter', async () => {
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'short-lived' }));
    await client.send(new DeleteTopicCommand({ TopicArn }));
    expect((await listAllTopics(client)).arns).not.toContain(TopicArn);
    await expect(client.send(new DeleteTopicCommand({ TopicArn }))).resolves.toBeDefined();
    await expect(client.send(new DeleteTopicCommand({ TopicArn: 'short-lived' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: TopicArn',
    });
  });

  test('answers in the SNS XML namespace, errors as ErrorResponse with Type, Code and Message', async () => {
    const post = (body: string) =>
      fetch(`${sns.endpoint}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    const ok = await post('Action=CreateTopic&Version=2010-03-31&Name=wire');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/xml');
    const okXml = await ok.text();
    expect(okXml).toContain('<CreateTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">');
    expect(okXml).toContain(
      '<CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:123456789012:wire</TopicArn></CreateTopicResult>',
    );
    expect(okXml).toMatch(/<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata>/);

    const missing = await post(
      `Action=Publish&Version=2010-03-31&Message=x&TopicArn=${encodeURIComponent(sns.topicArn('absent'))}`,
    );
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain(
      '<Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error>',
    );

    const unknown = await post('Action=Subscribe&Version=2010-03-31');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('<Code>InvalidAction</Code>');
  });
});
