import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DynamoDbPacerStore,
  PACER_TABLE_KEY,
  PACER_TAT_ATTRIBUTE,
} from '../../../functions/shared/write-pacer-dynamodb';
import type { SlotRequest } from '../../../functions/shared/write-pacer';

const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => dynamodb.reset());

const TABLE = 'keyturn-write-pacer';
const store = () => new DynamoDbPacerStore(new DynamoDBClient({ region: 'eu-west-1' }), TABLE);
const request: SlotRequest = { key: 'eu-west-1', nowMs: 1_000, intervalMs: 40, toleranceMs: 160, latestSlotMs: 30_000 };

/** DynamoDB's answer to a failed condition, with the item as it was (ReturnValuesOnConditionCheckFailure: ALL_OLD). */
function conditionFailed(tat?: number): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    Item:
      tat === undefined
        ? undefined
        : { [PACER_TABLE_KEY]: { S: 'eu-west-1' }, [PACER_TAT_ATTRIBUTE]: { N: String(tat) } },
  });
}

const sent = () => dynamodb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input);

it('a busy schedule: one conditional UpdateItem adds an interval, and the new time says which slot was taken', async () => {
  dynamodb.on(UpdateItemCommand).resolves({ Attributes: { [PACER_TAT_ATTRIBUTE]: { N: '1440' } } });

  await expect(store().reserve(request)).resolves.toEqual({ reserved: true, slotMs: 1_440 - 40 - 160 });

  expect(sent()).toEqual([
    {
      TableName: TABLE,
      Key: { [PACER_TABLE_KEY]: { S: 'eu-west-1' } },
      UpdateExpression: 'SET #tat = #tat + :interval',
      ConditionExpression: '#tat >= :now AND #tat <= :latestTat',
      ExpressionAttributeNames: { '#tat': PACER_TAT_ATTRIBUTE },
      ExpressionAttributeValues: { ':interval': { N: '40' }, ':now': { N: '1000' }, ':latestTat': { N: '30160' } },
      ReturnValues: 'UPDATED_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  ]);
});

it('an idle or new schedule: the second, conditional UpdateItem starts it from now', async () => {
  dynamodb.on(UpdateItemCommand).rejectsOnce(conditionFailed(900)).resolvesOnce({});

  await expect(store().reserve(request)).resolves.toEqual({ reserved: true, slotMs: 1_000 });

  expect(sent()[1]).toMatchObject({
    UpdateExpression: 'SET #tat = :nextTat',
    ConditionExpression: 'attribute_not_exists(#tat) OR #tat < :now',
    ExpressionAttributeValues: { ':nextTat': { N: '1040' }, ':now': { N: '1000' } },
  });
});

it('a schedule too far ahead for the deadline: nothing is written, the earliest slot is reported', async () => {
  dynamodb.on(UpdateItemCommand).rejectsOnce(conditionFailed(40_000));

  await expect(store().reserve(request)).resolves.toEqual({ reserved: false, earliestSlotMs: 40_000 - 160 });
  expect(sent()).toHaveLength(1);
});

it('a lost race on the idle path tries the busy path again', async () => {
  dynamodb
    .on(UpdateItemCommand)
    .rejectsOnce(conditionFailed()) // no item yet
    .rejectsOnce(conditionFailed(1_040)) // someone started it meanwhile
    .resolvesOnce({ Attributes: { [PACER_TAT_ATTRIBUTE]: { N: '1080' } } });

  await expect(store().reserve(request)).resolves.toEqual({ reserved: true, slotMs: 1_000 });
  expect(sent().map((input) => input.UpdateExpression)).toEqual([
    'SET #tat = #tat + :interval',
    'SET #tat = :nextTat',
    'SET #tat = #tat + :interval',
  ]);
});

it('gives up with WritePacerContentionError after losing every race', async () => {
  dynamodb.on(UpdateItemCommand).rejects(conditionFailed(500));

  await expect(store().reserve(request)).rejects.toMatchObject({
    name: 'WritePacerContentionError',
    message: expect.stringContaining('after 8 attempts') as unknown,
  });
});

it('other DynamoDB errors reach the caller unchanged (the SDK has retried them)', async () => {
  const denied = Object.assign(new Error('not authorized to perform: dynamodb:UpdateItem'), {
    name: 'AccessDeniedException',
  });
  dynamodb.on(UpdateItemCommand).rejects(denied);

  await expect(store().reserve(request)).rejects.toThrow(denied);
});
