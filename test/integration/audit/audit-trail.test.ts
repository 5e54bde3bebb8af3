import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createAuditTrail, type AuditSubject } from '../../../functions/shared/audit';
import { eventBridgePutEvents } from '../../../functions/shared/event-bus';
import { AuditEventType } from '../../../functions/shared/lifecycle-contract';
import { AUDIT_EVENT_SOURCE } from '../../../functions/shared/metric-names';
import { startLocalEventBridge, type LocalEventBridge } from '../../../local/eventbridge/local-eventbridge';

let eventBridge: LocalEventBridge;
let client: EventBridgeClient;

beforeAll(async () => {
  eventBridge = await startLocalEventBridge();
  client = new EventBridgeClient({ endpoint: eventBridge.endpoint, region: 'us-east-1', maxAttempts: 1 });
  await client.send(new CreateEventBusCommand({ Name: 'audit' }));
});
afterAll(async () => {
  client.destroy();
  await eventBridge.stop();
});
beforeEach(() => {
  eventBridge.clear();
  eventBridge.faults.clear();
});

const subject: AuditSubject = {
  rotationId: '2f1e0d9c-8b7a-4f6e-9d5c-4b3a29180706',
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:lifecycle:run-1',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf',
  trigger: 'schedule',
  emergency: false,
};

function trail(logged: string[] = []) {
  const metrics = new Metrics({ namespace: 'keyturn-test', serviceName: 'keyturn-lifecycle' });
  const logger = new Logger({ logLevel: 'INFO' });
  const capture = (chunk: string | Uint8Array) => {
    logged.push(chunk.toString());
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  return {
    audit: createAuditTrail({ putEvents: eventBridgePutEvents(client), busName: 'audit', logger, metrics }),
    metrics,
  };
}
afterEach(() => {
  jest.restoreAllMocks();
});

it('puts each event on the audit bus with the rotation subject, in order', async () => {
  const { audit } = trail();

  await audit.record(
    subject,
    { type: AuditEventType.Started, facts: { previousVersionId: 'v1' } },
    { type: AuditEventType.Verified, facts: { timeToRotateMs: 812 } },
  );

  expect(eventBridge.events().map((e) => [e.busName, e.source, e.detailType])).toEqual([
    ['audit', AUDIT_EVENT_SOURCE, AuditEventType.Started],
    ['audit', AUDIT_EVENT_SOURCE, AuditEventType.Verified],
  ]);
  expect(eventBridge.events()[1]?.detail).toEqual({ ...subject, timeToRotateMs: 812, type: AuditEventType.Verified });
  expect(eventBridge.events()[0]?.resources).toEqual([subject.secretArn]);
});

it('retries the entries EventBridge reports as failed, and only those', async () => {
  eventBridge.faults.failNextEntries(2, { entryIndexes: [1] });
  const { audit } = trail();

  await audit.record(subject, { type: AuditEventType.Revoked }, { type: AuditEventType.Completed });

  expect(eventBridge.events().map((e) => e.detailType)).toEqual([AuditEventType.Revoked, AuditEventType.Completed]);
});

it('rides out whole-request failures', async () => {
  eventBridge.faults.failNext('PutEvents', 2, 'ThrottlingException');
  const { audit } = trail();

  await audit.record(subject, { type: AuditEventType.Completed });

  expect(eventBridge.events()).toHaveLength(1);
});

it('never throws when the bus keeps refusing: the lost event is logged at error level, with its detail', async () => {
  eventBridge.faults.failNextEntries(3);
  const logged: string[] = [];
  const { audit } = trail(logged);

  await expect(
    audit.record(subject, { type: AuditEventType.Failed, facts: { step: 'Verify' } }),
  ).resolves.toBeUndefined();

  expect(eventBridge.events()).toHaveLength(0);
  const lost = logged.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => l.level === 'ERROR');
  expect(lost).toMatchObject({
    message: 'audit event not recorded on the audit bus',
    auditEvent: AuditEventType.Failed,
    error: 'ThrottlingException',
  });
  expect(String(lost?.detail)).toContain(subject.rotationId);
});

it('counts every event it means to record (the expected side of audit completeness)', async () => {
  eventBridge.faults.failNextEntries(3);
  const { audit, metrics } = trail();

  await audit.record(subject, { type: AuditEventType.Started }, { type: AuditEventType.Verified });

  const emf = metrics.serializeMetrics() as unknown as Record<string, unknown>;
  expect(emf.AuditEventsExpected).toBe(2);
});
