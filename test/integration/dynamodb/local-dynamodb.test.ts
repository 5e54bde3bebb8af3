/**
 * The local DynamoDB (dynalite, local/dynamodb/) through the real @aws-sdk/client-dynamodb: what the
 * re-wrap job relies on — conditional writes that fail on a changed or deleted item, Scan pages that
 * resume after any item's key, consistent reads, DescribeTable's errors — and that
 * startLocalStack({ dynamodb: true }) points the SDK's default endpoint at it.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type ScanCommandOutput,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../../local/dynamodb';
import { startLocalStack } from '../../../local/stack';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
const TABLE = 'wrapped-keys';

function clientFor(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
}

async function createTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
}

const rewrite = (id: string, expected: Uint8Array, next: Uint8Array) =>
  new UpdateItemCommand({
    TableName: TABLE,
    Key: { id: { S: id } },
    UpdateExpression: 'SET #blob = :next',
    ConditionExpression: '#blob = :expected',
    ExpressionAttributeNames: { '#blob': 'blob' },
    ExpressionAttributeValues: { ':next': { B: next }, ':expected': { B: expected } },
  });

describe('local DynamoDB (dynalite)', () => {
  let dynamodb: LocalDynamoDb;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
    client = clientFor(dynamodb.endpoint);
    await createTable(client, TABLE);
  });

  afterAll(async () => {
    client.destroy();
    await dynamodb.stop();
  });

  test('listens on loopback, and a new table is ACTIVE at once', async () => {
    expect(dynamodb.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const described = await client.send(new DescribeTableCommand({ TableName: TABLE }));
    expect(described.Table?.TableStatus).toBe('ACTIVE');
    expect(described.Table?.TableArn).toContain(`:table/${TABLE}`);
  });

  test('a conditional write succeeds on the value read and fails once someone else changed it or deleted the item', async () => {
    // GIVEN an item holding blob A
    const a = Uint8Array.from([1, 2, 3]);
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { id: { S: 'k1' }, blob: { B: a } } }));

    // WHEN it is rewritten A → B, then again from A (stale) and on a missing item
    await client.send(rewrite('k1', a, Uint8Array.from([4])));
    const stale = client.send(rewrite('k1', a, Uint8Array.from([5])));
    const missing = client.send(rewrite('no-such-item', a, Uint8Array.from([5])));

    // THEN the stale and the missing one fail by name, and the item keeps B
    await expect(stale).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await expect(missing).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const read = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'k1' } }, ConsistentRead: true }),
    );
    expect(Buffer.from(read.Item?.blob?.B ?? new Uint8Array())).toEqual(Buffer.from([4]));
    const gone = await client.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'no-such-item' } } }));
    expect(gone.Item).toBeUndefined();
  });

  test('a Scan resumes after any item key it returned, not only after LastEvaluatedKey', async () => {
    // GIVEN 25 items
    await createTable(client, 'scan-resume');
    for (let i = 0; i < 25; i++) {
      await client.send(new PutItemCommand({ TableName: 'scan-resume', Item: { id: { S: `item-${i}` } } }));
    }
    const all = (await client.send(new ScanCommand({ TableName: 'scan-resume' }))).Items ?? [];
    expect(all).toHaveLength(25);

    // WHEN a scan starts after the 7th item of the full order
    const seventh = all[6] as Record<string, AttributeValue>;
    const rest: string[] = [];
    let start: Record<string, AttributeValue> | undefined = { id: seventh.id as AttributeValue };
    do {
      const page: ScanCommandOutput = await client.send(
        new ScanCommand({ TableName: 'scan-resume', Limit: 5, ExclusiveStartKey: start }),
      );
      rest.push(...(page.Items ?? []).map((item) => item.id?.S ?? ''));
      start = page.LastEvaluatedKey;
    } while (start);

    // THEN it returns exactly the 18 items after it, in the same order
    expect(rest).toEqual(all.slice(7).map((item) => item.id?.S));
  });

  test('a missing table is ResourceNotFoundException', async () => {
    await expect(client.send(new DescribeTableCommand({ TableName: 'no-such-table' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  test('stop() closes it: a new connection is then refused', async () => {
    const other = await startLocalDynamoDb();
    const before = clientFor(other.endpoint);
    await expect(before.send(new DescribeTableCommand({ TableName: TABLE }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    before.destroy();
    await other.stop();
    const after = clientFor(other.endpoint);
    await expect(after.send(new DescribeTableCommand({ TableName: TABLE }))).rejects.toMatchObject({
      message: expect.stringContaining('ECONNREFUSED') as unknown,
    });
    after.destroy();
  });
});

describe('startLocalStack({ dynamodb: true })', () => {
  test('starts the local DynamoDB and points AWS_ENDPOINT_URL_DYNAMODB at it: a client built with no endpoint reaches it', async () => {
    const stack = await startLocalStack({ dynamodb: true });
    try {
      expect(stack.dynamodb).toBeDefined();
      expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(stack.dynamodb?.endpoint);
      const client = new DynamoDBClient({ maxAttempts: 1 });
      await createTable(client, 'from-the-environment');
      const described = await client.send(new DescribeTableCommand({ TableName: 'from-the-environment' }));
      expect(described.Table?.TableStatus).toBe('ACTIVE');
      client.destroy();
    } finally {
      await stack.stop();
    }
  });
});
