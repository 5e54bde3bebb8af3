import { parseAuditMessage, secretFilterPattern } from '../../../cli/audit-log';
import type { RunSummary } from '../../../cli/executions/runs';
import { mergeRotations } from '../../../cli/history';
import { stuckPending } from '../../../cli/secrets';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-AbCdEf';
const EXEC = (n: number) => `arn:aws:states:us-east-1:123456789012:execution:Lifecycle:run-${n}`;

function auditMessage(type: string, executionArn: string, time: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    'detail-type': type,
    source: 'keyturn.rotation',
    time,
    detail: {
      type,
      rotationId: `rot-${executionArn.slice(-1)}`,
      executionArn,
      secretArn: SECRET,
      trigger: 'schedule',
      emergency: false,
      ...extra,
    },
  });
}

describe('audit log', () => {
  test('the filter pattern selects one secret by its ARN', () => {
    expect(secretFilterPattern(SECRET)).toBe(`{ $.detail.secretArn = "${SECRET}" }`);
  });

  test('an EventBridge envelope becomes a record; its facts leave out the subject', () => {
    const record = parseAuditMessage(
      auditMessage('NewCredentialVerified', EXEC(1), '2026-12-01T10:00:05Z', { versionId: 'v2' }),
      0,
    );
    expect(record).toEqual({
      type: 'NewCredentialVerified',
      time: new Date('2026-12-01T10:00:05Z'),
      rotationId: 'rot-1',
      executionArn: EXEC(1),
      trigger: 'schedule',
      emergency: false,
      facts: { versionId: 'v2' },
    });
    expect(parseAuditMessage('not json', 0)).toBeUndefined();
    expect(parseAuditMessage('{"detail":"x"}', 0)).toBeUndefined();
  });
});

describe('history: executions and audit events merged by execution ARN, newest first', () => {
  test('a run with its events, and an older rotation known only from the audit log', () => {
    const run: RunSummary = {
      executionArn: EXEC(2),
      stateMachine: 'lifecycle',
      startDate: new Date('2026-12-05T10:00:00Z'),
      stopDate: new Date('2026-12-05T10:20:00Z'),
      status: 'SUCCEEDED',
      outcome: 'rotated',
      trigger: 'on-demand',
      dryRun: false,
    };
    const events = [
      auditMessage('RotationStarted', EXEC(1), '2026-11-01T10:00:00Z'),
      auditMessage('RotationFailed', EXEC(1), '2026-11-01T10:00:09Z', { error: 'VerifyFailedError' }),
      auditMessage('RotationStarted', EXEC(2), '2026-12-05T10:00:01Z'),
      auditMessage('RotationCompleted', EXEC(2), '2026-12-05T10:19:59Z'),
    ].flatMap((m) => parseAuditMessage(m, 0) ?? []);
    const merged = mergeRotations([run], events);
    expect(merged.map((r) => [r.executionArn, r.outcome, r.sources, r.events])).toEqual([
      [EXEC(2), 'rotated', ['execution', 'audit'], ['RotationStarted', 'RotationCompleted']],
      [EXEC(1), 'failed', ['audit'], ['RotationStarted', 'RotationFailed']],
    ]);
    expect(merged[1]).toMatchObject({ rotationId: 'rot-1', error: 'VerifyFailedError', trigger: 'schedule' });
  });
});

describe('stuck AWSPENDING', () => {
  test('a version holding AWSPENDING but not AWSCURRENT, with how to resolve it', () => {
    const found = stuckPending({ arn: SECRET, name: 'orders' }, [
      { versionId: 'v3', stages: ['AWSPENDING'] },
      { versionId: 'v2', stages: ['AWSCURRENT'] },
    ]);
    expect(found?.versionId).toBe('v3');
    expect(found?.resolution).toContain('--version-stage AWSPENDING --remove-from-version-id v3');
  });

  test('AWSPENDING on the current version (a finished rotation’s leftover label) is not stuck', () => {
    expect(
      stuckPending({ arn: SECRET, name: 'orders' }, [{ versionId: 'v2', stages: ['AWSCURRENT', 'AWSPENDING'] }]),
    ).toBeUndefined();
  });
});
