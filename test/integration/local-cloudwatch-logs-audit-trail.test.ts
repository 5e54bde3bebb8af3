/**
 * The local audit trail end to end, as deployed: keyturn's audit writer puts a lifecycle audit
 * event on the local audit bus with the real EventBridge SDK, the audit bus's rule delivers it to
 * the audit log group, and the CloudWatch Logs SDK finds it with FilterLogEvents by secret ARN,
 * the way the keyturn CLI reads a secret's history.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createAuditTrail, type AuditSubject } from '../../functions/shared/audit';
import { eventBridgePutEvents } from '../../functions/shared/event-bus';
import { AuditEventType } from '../../functions/shared/lifecycle-contract';
import { AUDIT_EVENT_SOURCE } from '../../functions/shared/metric-names';
import {
  LOCAL_ACCOUNT,
  LOCAL_AUDIT_LOG_GROUP_NAME,
  LOCAL_REGION,
  startLocalStack,
  type LocalStack,
} from '../../local/stack';

const subject = (secretArn: string): AuditSubject => ({
  rotationId: '2f1e0d9c-8b7a-4f6e-9d5c-4b3a29180706',
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:lifecycle:run-1',
  secretArn,
  trigger: 'on-demand',
  emergency: false,
});
const APP_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf';
const OTHER_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other-GhIjKl';

describe('local audit trail: audit bus -> rule -> audit log group -> FilterLogEvents', () => {
  let stack: LocalStack;
  let eventBridge: EventBridgeClient;
  let logs: CloudWatchLogsClient;

  beforeAll(async () => {
    stack = await startLocalStack();
    // Default clients: the endpoints come from AWS_ENDPOINT_URL_EVENTBRIDGE and _CLOUDWATCH_LOGS, as for the CLI.
    eventBridge = new EventBridgeClient({ maxAttempts: 1 });
    logs = new CloudWatchLogsClient({ maxAttempts: 1 });
  });

  afterAll(async () => {
    eventBridge.destroy();
    logs.destroy();
    await stack.stop();
  });

  test('a lifecycle audit event arrives in the log group as the whole event, found by its secret ARN', async () => {
    const audit = createAuditTrail({
      putEvents: eventBridgePutEvents(eventBridge),
      busName: stack.auditBusName,
      logger: new Logger(),
      metrics: new Metrics({ namespace: 'keyturn-test', serviceName: 'keyturn-lifecycle' }),
    });

    await audit.record(subject(APP_SECRET), { type: AuditEventType.Started, facts: { previousVersionId: 'v1' } });
    await audit.record(subject(OTHER_SECRET), { type: AuditEventType.Started });

    const found = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: LOCAL_AUDIT_LOG_GROUP_NAME,
        filterPattern: `{ $.detail.secretArn = "${APP_SECRET}" }`,
      }),
    );
    expect(found.events).toHaveLength(1);
    const [put] = stack.eventBridge.events({ bus: stack.auditBusName, detailType: AuditEventType.Started });
    const logged = found.events?.[0];
    expect(logged?.logStreamName).toBe(put?.eventId);
    expect(logged?.timestamp).toBe(put?.time.getTime());
    expect(JSON.parse(logged?.message ?? '{}')).toEqual({
      version: '0',
      id: put?.eventId,
      'detail-type': AuditEventType.Started,
      source: AUDIT_EVENT_SOURCE,
      account: LOCAL_ACCOUNT,
      time: put?.time.toISOString().replace('.000Z', 'Z'),
      region: LOCAL_REGION,
      resources: [APP_SECRET],
      detail: { ...subject(APP_SECRET), previousVersionId: 'v1', type: AuditEventType.Started },
    });
    expect(stack.eventBridge.failedDeliveries()).toEqual([]);
  });
});
