/**
 * `arn:aws:states:::aws-sdk:eventbridge:putEvents` in the local Step Functions runner: the real
 * SDK, pointed at the local EventBridge through AWS_ENDPOINT_URL_EVENTBRIDGE.
 */
import { runStateMachine } from '../../../local/stepfunctions/runner';
import { startLocalEventBridge, type LocalEventBridge } from '../../../local/eventbridge/local-eventbridge';
import { assertValidAsl } from '../../support/asl';

const putAuditEvent = {
  StartAt: 'PutAuditEvent',
  States: {
    PutAuditEvent: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:eventbridge:putEvents',
      Parameters: {
        Entries: [
          {
            Source: 'keyturn.rotation',
            DetailType: 'RotationStarted',
            'Detail.$': 'States.JsonToString($.detail)',
            'EventBusName.$': '$.bus',
          },
        ],
      },
      ResultSelector: { 'failed.$': '$.FailedEntryCount', 'eventId.$': '$.Entries[0].EventId' },
      End: true,
    },
  },
};

const describeBus = {
  StartAt: 'Describe',
  States: {
    Describe: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:eventbridge:describeEventBus',
      Parameters: { 'Name.$': '$.bus' },
      End: true,
    },
  },
};

describe('runStateMachine: aws-sdk:eventbridge against the local EventBridge', () => {
  let eventBridge: LocalEventBridge;
  const previousEndpoint = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;

  beforeAll(async () => {
    eventBridge = await startLocalEventBridge();
    // What local/stack.ts does: the runner's SDK client finds the endpoint in the environment.
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = eventBridge.endpoint;
  });

  afterAll(async () => {
    await eventBridge.stop();
    if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
    else process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = previousEndpoint;
  });

  it('validates', () => {
    assertValidAsl(putAuditEvent);
    assertValidAsl(describeBus);
  });

  it('puts the event on the bus and returns the result', async () => {
    const result = await runStateMachine(putAuditEvent, { bus: 'default', detail: { rotationId: 'r-1' } });
    expect(result.status).toBe('SUCCEEDED');
    const [event] = eventBridge.events();
    expect(result.output).toEqual({ failed: 0, eventId: event?.eventId });
    expect(event).toMatchObject({ busName: 'default', detailType: 'RotationStarted', detail: { rotationId: 'r-1' } });
  });

  it('reports service errors as EventBridge.<Exception>', async () => {
    const result = await runStateMachine(describeBus, { bus: 'absent' });
    expect(result).toMatchObject({ status: 'FAILED', error: 'EventBridge.ResourceNotFoundException' });
    expect(result.cause).toMatch(/\(Service: EventBridge, Status Code: 400, Request ID: /);
  });
});
