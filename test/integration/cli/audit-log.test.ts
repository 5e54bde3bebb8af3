/**
 * The CLI's audit reading against the local stack's audit trail, as deployed: keyturn's audit writer puts
 * events on the local audit bus, its rule delivers them to the audit log group, and `auditEventsFor` and
 * `secretHistory` read them back with FilterLogEvents by secret ARN (real SDK clients on loopback).
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { auditEventsFor } from '../../../cli/audit-log';
import { secretHistory } from '../../../cli/history';
import { createAuditTrail, type AuditSubject, type AuditTrail } from '../../../functions/shared/audit';
import { eventBridgePutEvents } from '../../../functions/shared/event-bus';
import { AuditEventType } from '../../../functions/shared/lifecycle-contract';
import { LOCAL_AUDIT_LOG_GROUP_NAME, startLocalStack, type LocalStack } from '../../../local/stack';
import { createSecret } from '../../support/secrets';

const EXEC = (n: number) => `arn:aws:states:us-east-1:123456789012:execution:lifecycle:run-${n}`;

let stack: LocalStack;
let eventBridge: EventBridgeClient;
let logs: CloudWatchLogsClient;
let secretsManager: SecretsManagerClient;
let sfn: SFNClient;
let audit: AuditTrail;

beforeAll(async () => {
  stack = await startLocalStack();
  // Default clients: endpoints from AWS_ENDPOINT_URL_* as the local stack sets them, as for the CLI.
  eventBridge = new EventBridgeClient({ maxAttempts: 1 });
  logs = new CloudWatchLogsClient({ maxAttempts: 1 });
  secretsManager = new SecretsManagerClient({ maxAttempts: 1 });
  sfn = new SFNClient({ maxAttempts: 1 });
  audit = createAuditTrail({
    putEvents: eventBridgePutEvents(eventBridge),
    busName: stack.auditBusName,
    logger: new Logger(),
    metrics: new Metrics({ namespace: 'keyturn-test', serviceName: 'keyturn-cli' }),
  });
});

afterAll(async () => {
  for (const client of [eventBridge, logs, secretsManager, sfn]) client.destroy();
  await stack.stop();
});

function subject(secretArn: string, run: number, emergency = false): AuditSubject {
  return {
    rotationId: `00000000-0000-4000-8000-00000000000${run}`,
    executionArn: EXEC(run),
    secretArn,
    trigger: emergency ? 'emergency' : 'schedule',
    emergency,
  };
}

describe("a secret's audit events from the audit log group", () => {
  test("only the secret's events, oldest first, each with its rotation, execution and value-free facts", async () => {
    // GIVEN two rotations of one secret and one of another
    const secret = await createSecret(secretsManager, 'cli/audited', 'value-never-printed');
    const other = await createSecret(secretsManager, 'cli/other', 'x');
    await audit.record(
      subject(secret.arn, 1),
      { type: AuditEventType.Started },
      { type: AuditEventType.Failed, facts: { error: 'VerifyFailedError' } },
    );
    await audit.record(subject(other.arn, 2), { type: AuditEventType.Started });
    await audit.record(
      subject(secret.arn, 3, true),
      { type: AuditEventType.Started },
      { type: AuditEventType.Verified },
      { type: AuditEventType.Revoked },
      { type: AuditEventType.Completed },
    );
    // WHEN
    const result = await auditEventsFor(logs, { logGroupName: LOCAL_AUDIT_LOG_GROUP_NAME, secretArn: secret.arn });
    // THEN
    expect(result.found).toBe(true);
    expect(result.events.map((e) => [e.executionArn, e.type])).toEqual([
      [EXEC(1), AuditEventType.Started],
      [EXEC(1), AuditEventType.Failed],
      [EXEC(3), AuditEventType.Started],
      [EXEC(3), AuditEventType.Verified],
      [EXEC(3), AuditEventType.Revoked],
      [EXEC(3), AuditEventType.Completed],
    ]);
    expect(result.events[1]).toMatchObject({
      rotationId: subject(secret.arn, 1).rotationId,
      trigger: 'schedule',
      emergency: false,
      facts: { error: 'VerifyFailedError' },
    });
    expect(JSON.stringify(result.events)).not.toContain('value-never-printed');

    // AND history, with no executions left (Step Functions keeps them 90 days), rebuilds both rotations from the log
    const history = await secretHistory(
      { secretsManager, sfn, logs, stateMachines: [], auditLogGroupName: LOCAL_AUDIT_LOG_GROUP_NAME },
      'cli/audited',
      10,
    );
    expect(history.rotations.map((r) => [r.executionArn, r.outcome, r.emergency, r.sources])).toEqual([
      [EXEC(3), 'rotated', true, ['audit']],
      [EXEC(1), 'failed', false, ['audit']],
    ]);
    expect(history.rotations[1]?.error).toBe('VerifyFailedError');
    const limited = await secretHistory(
      { secretsManager, sfn, logs, stateMachines: [], auditLogGroupName: LOCAL_AUDIT_LOG_GROUP_NAME },
      secret.arn,
      1,
    );
    expect(limited.rotations.map((r) => r.executionArn)).toEqual([EXEC(3)]);
  });

  test('a log group that does not exist is a note, not an error', async () => {
    const secret = await createSecret(secretsManager, 'cli/no-log', 'x');
    await expect(
      auditEventsFor(logs, { logGroupName: '/keyturn/Nope/rotation-audit', secretArn: secret.arn }),
    ).resolves.toEqual({
      found: false,
      events: [],
    });
    const history = await secretHistory(
      { secretsManager, sfn, logs, stateMachines: [], auditLogGroupName: '/keyturn/Nope/rotation-audit' },
      'cli/no-log',
      10,
    );
    expect(history).toMatchObject({
      rotations: [],
      auditNote: 'audit log group /keyturn/Nope/rotation-audit not found: executions only',
    });
  });
});
