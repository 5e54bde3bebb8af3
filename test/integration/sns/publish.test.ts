/**
 * Publish against the local SNS through the real SDK: what is recorded (message attributes
 * round trip included), and every check SNS makes before it accepts a message.
 */
import {
  CreateTopicCommand,
  NotFoundException,
  PublishCommand,
  SNSClient,
  type MessageAttributeValue,
  type PublishCommandInput,
} from '@aws-sdk/client-sns';
import { startLocalSns, type LocalSns } from '../../../local/sns/local-sns';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
const NOW = new Date('2026-03-01T12:00:00.500Z');

describe('local SNS: Publish', () => {
  let sns: LocalSns;
  let client: SNSClient;
  let topicArn: string;

  beforeAll(async () => {
    sns = await startLocalSns({ now: () => NOW });
    client = new SNSClient({ endpoint: sns.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    topicArn = (await client.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn ?? '';
  });

  afterEach(() => {
    sns.clear();
  });

  afterAll(async () => {
    client.destroy();
    await sns.stop();
  });

  const publish = (input: Partial<PublishCommandInput>) =>
    client.send(new PublishCommand({ TopicArn: topicArn, Message: 'rotation failed', ...input }));

  describe('accepted messages', () => {
    test('returns a MessageId and records topic, subject, message, attributes and time', async () => {
      // WHEN
      const out = await publish({
        Subject: 'keyturn: rotation of db/app failed (verify)',
        Message: JSON.stringify({ rotationId: 'r-1', step: 'verify' }),
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: 'critical' },
          attempt: { DataType: 'Number', StringValue: '3' },
          steps: { DataType: 'String.Array', StringValue: '["rotate","verify",1,true,null]' },
          'rotation.id': { DataType: 'String.keyturn', StringValue: 'r-1' },
          digest: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 254, 255]) },
        },
      });

      // THEN
      expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(sns.messages()).toEqual([
        {
          messageId: out.MessageId,
          topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
          subject: 'keyturn: rotation of db/app failed (verify)',
          message: '{"rotationId":"r-1","step":"verify"}',
          attributes: {
            severity: { dataType: 'String', stringValue: 'critical' },
            attempt: { dataType: 'Number', stringValue: '3' },
            steps: { dataType: 'String.Array', stringValue: '["rotate","verify",1,true,null]' },
            'rotation.id': { dataType: 'String.keyturn', stringValue: 'r-1' },
            digest: { dataType: 'Binary', binaryValue: new Uint8Array([0, 1, 254, 255]) },
          },
          time: NOW,
        },
      ]);
    });

    test('messages(topicArn) keeps to one topic; clear() forgets them all', async () => {
      const other = (await client.send(new CreateTopicCommand({ Name: 'other' }))).TopicArn ?? '';
      await publish({ Message: 'one' });
      await publish({ TopicArn: other, Message: 'two' });
      expect(sns.messages(topicArn).map((m) => m.message)).toEqual(['one']);
      expect(sns.messages(other).map((m) => m.message)).toEqual(['two']);
      sns.clear();
      expect(sns.messages()).toEqual([]);
    });

    test('a 100-character subject, a topic ARN given as TargetArn, MessageGroupId and MessageStructure json are accepted', async () => {
      await publish({ Subject: 's'.repeat(100) });
      await client.send(new PublishCommand({ TargetArn: topicArn, Message: 'via target' }));
      await publish({ MessageGroupId: 'db/app' });
      await publish({ MessageStructure: 'json', Message: JSON.stringify({ default: 'plain', email: 'longer' }) });
      expect(sns.messages().map((m) => [m.message, m.messageGroupId, m.messageStructure])).toEqual([
        ['rotation failed', undefined, undefined],
        ['via target', undefined, undefined],
        ['rotation failed', 'db/app', undefined],
        ['{"default":"plain","email":"longer"}', undefined, 'json'],
      ]);
    });

    test('a message of exactly 256 KiB, attributes included, is accepted', async () => {
      const attribute: MessageAttributeValue = { DataType: 'String', StringValue: 'v' };
      const attributeBytes = 'a'.length + 'String'.length + 'v'.length;
      await publish({ Message: 'm'.repeat(262_144 - attributeBytes), MessageAttributes: { a: attribute } });
      expect(sns.messages()).toHaveLength(1);
    });
  });

  describe('refused messages (nothing is recorded)', () => {
    afterEach(() => {
      expect(sns.messages()).toEqual([]);
    });

    test('a topic that does not exist is NotFound (HTTP 404), in this account or another', async () => {
      await expect(publish({ TopicArn: sns.topicArn('absent') })).rejects.toMatchObject({
        name: 'NotFoundException',
        message: 'Topic does not exist',
        $metadata: { httpStatusCode: 404 },
      });
      await expect(publish({ TopicArn: 'arn:aws:sns:us-east-1:210987654321:alerts' })).rejects.toBeInstanceOf(
        NotFoundException,
      );
    });

    test.each([
      [
        'no TopicArn',
        { TopicArn: undefined },
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      ],
      ['a malformed TopicArn', { TopicArn: 'alerts' }, 'Invalid parameter: TopicArn'],
      ['no Message', { Message: undefined }, 'Invalid parameter: Empty message'],
      ['an empty Message', { Message: '' }, 'Invalid parameter: Empty message'],
      ['a Message over 256 KiB', { Message: 'm'.repeat(262_145) }, 'Invalid parameter: Message too long'],
      [
        'a Message of 256 KiB plus an attribute',
        { Message: 'm'.repeat(262_144), MessageAttributes: { a: { DataType: 'String', StringValue: 'v' } } },
        'Invalid parameter: Message too long',
      ],
      [
        'a multi-byte Message over 256 KiB in UTF-8',
        { Message: 'é'.repeat(131_073) },
        'Invalid parameter: Message too long',
      ],
      ['an empty Subject', { Subject: '' }, 'Invalid parameter: Subject'],
      ['a Subject of 101 characters', { Subject: 's'.repeat(101) }, 'Invalid parameter: Subject'],
      ['a Subject with a line break', { Subject: 'rotation\nfailed' }, 'Invalid parameter: Subject'],
      ['a Subject with a control character', { Subject: 'rotation\u0007failed' }, 'Invalid parameter: Subject'],
      ['a Subject with non-ASCII characters', { Subject: 'rotación fallida' }, 'Invalid parameter: Subject'],
      ['a Subject starting with a space', { Subject: ' rotation failed' }, 'Invalid parameter: Subject'],
      ['MessageStructure other than json', { MessageStructure: 'xml' }, 'Invalid parameter: MessageStructure'],
      [
        'MessageStructure json with a body that is not JSON',
        { MessageStructure: 'json', Message: 'plain' },
        'Invalid parameter: Message Structure - JSON message body failed to parse',
      ],
      [
        'MessageStructure json without a default entry',
        { MessageStructure: 'json', Message: '{"email":"x"}' },
        'Invalid parameter: Message Structure - No default entry in JSON message body',
      ],
      [
        'a phone number (SMS is not emulated)',
        { TopicArn: undefined, PhoneNumber: '+15555550100' },
        expect.stringContaining('PhoneNumber') as string,
      ],
      [
        'a platform endpoint as TargetArn',
        { TopicArn: undefined, TargetArn: 'arn:aws:sns:us-east-1:123456789012:endpoint/GCM/app/1' },
        'Invalid parameter: TargetArn',
      ],
      [
        'MessageDeduplicationId on a standard topic',
        { MessageDeduplicationId: 'd-1' },
        expect.stringContaining('MessageDeduplicationId') as string,
      ],
    ])('%s is InvalidParameter', async (_case, input, message) => {
      await expect(publish(input)).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message,
        $metadata: { httpStatusCode: 400 },
      });
    });

    test.each([
      [
        'a name starting with AWS.',
        { 'AWS.trace': { DataType: 'String', StringValue: 'x' } },
        "The message attribute name 'AWS.trace' is invalid.",
      ],
      [
        'a name starting with amazon.',
        { 'amazon.x': { DataType: 'String', StringValue: 'x' } },
        expect.stringContaining('amazon.x') as string,
      ],
      [
        'a name with two periods in a row',
        { 'a..b': { DataType: 'String', StringValue: 'x' } },
        expect.stringContaining('a..b') as string,
      ],
      [
        'a name ending with a period',
        { 'a.': { DataType: 'String', StringValue: 'x' } },
        expect.stringContaining("'a.'") as string,
      ],
      [
        'a name with a space',
        { 'a b': { DataType: 'String', StringValue: 'x' } },
        expect.stringContaining('a b') as string,
      ],
      [
        'a name of 257 characters',
        { ['n'.repeat(257)]: { DataType: 'String', StringValue: 'x' } },
        expect.stringContaining('is invalid') as string,
      ],
      [
        'an unknown data type',
        { a: { DataType: 'Text', StringValue: 'x' } },
        "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
      ],
      [
        'an empty string value',
        { a: { DataType: 'String', StringValue: '' } },
        "The message attribute 'a' must contain non-empty message attribute value for message attribute type 'String'.",
      ],
      [
        'a string type without a string value',
        { a: { DataType: 'String' } },
        "The message attribute 'a' with type 'String' must use field 'String'.",
      ],
      [
        'a Number that is not a number',
        { a: { DataType: 'Number', StringValue: 'three' } },
        "Could not cast message attribute 'a' value to number.",
      ],
      [
        'a Number of 39 digits',
        { a: { DataType: 'Number', StringValue: '1'.repeat(39) } },
        "Could not cast message attribute 'a' value to number.",
      ],
      [
        'a String.Array that is not an array',
        { a: { DataType: 'String.Array', StringValue: '{"x":1}' } },
        expect.stringContaining('String.Array') as string,
      ],
      [
        'a String.Array holding an object',
        { a: { DataType: 'String.Array', StringValue: '[{"x":1}]' } },
        expect.stringContaining('String.Array') as string,
      ],
      [
        'a Binary type with a string value',
        { a: { DataType: 'Binary', StringValue: 'x' } },
        "The message attribute 'a' with type 'Binary' must use field 'Binary'.",
      ],
    ] as [string, Record<string, MessageAttributeValue>, string][])(
      'message attributes: %s is ParameterValueInvalid',
      async (_case, attributes, message) => {
        await expect(publish({ MessageAttributes: attributes })).rejects.toMatchObject({
          name: 'InvalidParameterValueException',
          message,
          $metadata: { httpStatusCode: 400 },
        });
      },
    );
  });
});
