/**
 * `arn:aws:states:::aws-sdk:sns:publish` in the local Step Functions runner: the real SDK,
 * pointed at the local SNS through AWS_ENDPOINT_URL_SNS.
 */
import { runStateMachine } from '../../../local/stepfunctions/runner';
import { startLocalSns, type LocalSns } from '../../../local/sns/local-sns';
import { assertValidAsl } from '../../support/asl';

const publishAlert = {
  StartAt: 'PublishAlert',
  States: {
    PublishAlert: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:sns:publish',
      Parameters: {
        'TopicArn.$': '$.topicArn',
        Subject: 'keyturn: rotation failed',
        'Message.$': '$.message',
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'critical' } },
      },
      Catch: [{ ErrorEquals: ['Sns.NotFoundException'], ResultPath: '$.error', Next: 'NoTopic' }],
      End: true,
    },
    NoTopic: { Type: 'Pass', End: true },
  },
};

describe('runStateMachine: aws-sdk:sns against the local SNS', () => {
  let sns: LocalSns;
  const previousEndpoint = process.env.AWS_ENDPOINT_URL_SNS;

  beforeAll(async () => {
    sns = await startLocalSns();
    process.env.AWS_ENDPOINT_URL_SNS = sns.endpoint;
  });

  afterAll(async () => {
    await sns.stop();
    if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_SNS;
    else process.env.AWS_ENDPOINT_URL_SNS = previousEndpoint;
  });

  it('validates', () => {
    assertValidAsl(publishAlert);
  });

  it('publishes the alert with its attributes', async () => {
    // GIVEN the topic, created through a state machine too
    const created = await runStateMachine(
      {
        StartAt: 'Create',
        States: {
          Create: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:sns:createTopic',
            Parameters: { Name: 'keyturn-alerts' },
            End: true,
          },
        },
      },
      {},
    );
    const topicArn = (created.output as { TopicArn: string }).TopicArn;

    // WHEN
    const result = await runStateMachine(publishAlert, { topicArn, message: 'rotation r-1 failed at verify' });

    // THEN
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ MessageId: sns.messages()[0]?.messageId });
    expect(sns.messages()).toMatchObject([
      {
        topicArn,
        subject: 'keyturn: rotation failed',
        message: 'rotation r-1 failed at verify',
        attributes: { severity: { dataType: 'String', stringValue: 'critical' } },
      },
    ]);
  });

  it('reports a missing topic as Sns.NotFoundException, catchable by that name', async () => {
    const result = await runStateMachine(publishAlert, { topicArn: sns.topicArn('absent'), message: 'x' });
    expect(result.history).toEqual(['PublishAlert', 'NoTopic']);
    expect((result.output as { error: { Error: string } }).error.Error).toBe('Sns.NotFoundException');
  });
});
