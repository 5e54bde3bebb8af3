import { cancelLines } from '../../../cli/output/cancel';
import { createColors } from 'picocolors';
import { emergencyWarningLines } from '../../../cli/output/emergency';
import { fleetResultLines } from '../../../cli/output/fleet';
import { statusDocument, statusLines } from '../../../cli/output/status';
import type { SecretStatus } from '../../../cli/status';

const plain = createColors(false);
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/db/api-AbCdEf';
const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:Lifecycle:cli-on-demand-1';

const status: SecretStatus = {
  secret: {
    arn: ARN,
    name: 'orders/db/api',
    rotationEnabled: true,
    lastRotatedDate: new Date('2026-12-01T10:00:00Z'),
    nextRotationDate: new Date('2026-12-31T10:00:00Z'),
    tags: {},
    versionStages: {},
  },
  versions: [
    { versionId: 'v3', stages: ['AWSPENDING'], createdDate: new Date('2026-12-07T09:00:00Z') },
    { versionId: 'v2', stages: ['AWSCURRENT'], createdDate: new Date('2026-12-01T10:00:00Z') },
    { versionId: 'v1', stages: [], createdDate: new Date('2026-11-01T10:00:00Z') },
  ],
  stuckPending: { versionId: 'v3', resolution: 'drop the label' },
  lastRun: {
    executionArn: EXEC,
    stateMachine: 'lifecycle',
    startDate: new Date('2026-12-07T09:00:00Z'),
    stopDate: new Date('2026-12-07T09:00:30Z'),
    status: 'FAILED',
    outcome: 'failed',
    trigger: 'schedule',
    dryRun: false,
    error: 'TargetUnreachableError',
  },
  lastRunEvents: [
    {
      type: 'RotationFailed',
      time: new Date('2026-12-07T09:00:29Z'),
      executionArn: EXEC,
      facts: { error: 'TargetUnreachableError' },
    },
  ],
  findings: ['stuck AWSPENDING on version v3: drop the label', 'the last run failed: TargetUnreachableError'],
};

describe('status rendering', () => {
  test('text: versions with labels, the last run, its events, the findings', () => {
    expect(statusLines(status, plain)).toEqual([
      'orders/db/api',
      `  arn:            ${ARN}`,
      '  rotation:       enabled',
      '  last rotated:   2026-12-01T10:00:00Z',
      '  next rotation:  2026-12-31T10:00:00Z',
      '  versions:',
      '    v3  AWSPENDING  2026-12-07T09:00:00Z',
      '    v2  AWSCURRENT  2026-12-01T10:00:00Z',
      '    v1  (no label)  2026-11-01T10:00:00Z',
      '  last run:       failed (lifecycle, schedule) 2026-12-07T09:00:00Z → 2026-12-07T09:00:30Z',
      `                  ${EXEC}`,
      '                  error: TargetUnreachableError',
      '  audit events:',
      '    2026-12-07T09:00:29Z  RotationFailed',
      '  old credential: unknown',
      '  findings:',
      '    - stuck AWSPENDING on version v3: drop the label',
      '    - the last run failed: TargetUnreachableError',
    ]);
  });

  test('--json: the documented shape, absent facts as null', () => {
    const doc = JSON.parse(JSON.stringify(statusDocument({ ...status, stuckPending: undefined }))) as Record<
      string,
      unknown
    >;
    expect(Object.keys(doc)).toEqual([
      'command',
      'secret',
      'versions',
      'stuckPending',
      'canary',
      'lastRun',
      'lastRunEvents',
      'oldCredentialInUse',
      'auditNote',
      'findings',
    ]);
    expect(doc).toMatchObject({
      command: 'status',
      secret: { arn: ARN, name: 'orders/db/api', rotationEnabled: true, lastRotatedDate: '2026-12-01T10:00:00.000Z' },
      stuckPending: null,
      canary: null,
      oldCredentialInUse: null,
      auditNote: null,
    });
  });
});

describe('emergency warning', () => {
  test('names the consumers that lose the old credential', () => {
    const lines = emergencyWarningLines(
      'orders/db/api',
      {
        policyFile: 'policy.ts',
        entryId: 'orders-api-db',
        owner: 'orders',
        consumers: [{ name: 'orders-api' }, { name: 'billing', roleArn: 'arn:aws:iam::123456789012:role/billing' }],
      },
      plain,
    );
    expect(lines[0]).toBe('EMERGENCY rotation of orders/db/api');
    expect(lines.slice(3)).toEqual([
      '  consumers (policy.ts, entry orders-api-db, owner orders):',
      '    - orders-api',
      '    - billing (arn:aws:iam::123456789012:role/billing)',
    ]);
  });

  test('says when the consumers are unknown', () => {
    const lines = emergencyWarningLines(
      'x',
      { policyFile: 'p.ts', consumers: [], note: 'no entry of p.ts manages x' },
      plain,
    );
    expect(lines.at(-1)).toBe('  consumers: no entry of p.ts manages x');
  });
});

describe('fleet and cancel results', () => {
  test('a fleet within tolerance but with failures reads as findings, from its own summary', () => {
    const lines = fleetResultLines(
      {
        command: 'fleet',
        dryRun: false,
        selected: 3,
        excluded: 0,
        status: 'SUCCEEDED',
        executionArns: [EXEC],
        counts: { total: 3, rotated: 2, leftInUse: 0, skipped: 0, failed: 1, running: 0, wouldRotate: 0 },
        summary: {
          fleetId: EXEC,
          pages: 1,
          selected: 3,
          succeeded: 2,
          leftInUse: 0,
          skipped: 0,
          failed: 1,
          excluded: 0,
          failurePercentage: 33.33,
          toleratedFailurePercentage: 50,
        },
      },
      plain,
    );
    expect(lines).toEqual([
      'fleet done, with findings',
      '  selected 3: rotated 2, left in use 0, skipped 0, failed 1 (33.33% of 50% tolerated)',
      `  execution ${EXEC}`,
    ]);
  });

  test('a fleet dry run lists its refusals and says nothing changed', () => {
    const lines = fleetResultLines(
      {
        command: 'fleet',
        dryRun: true,
        selected: 2,
        excluded: 0,
        status: 'SUCCEEDED',
        executionArns: [EXEC],
        counts: { total: 2, rotated: 0, leftInUse: 0, skipped: 0, failed: 1, running: 0, wouldRotate: 1 },
        summary: {
          dryRun: true,
          fleetId: EXEC,
          pages: 1,
          selected: 2,
          wouldRotate: 1,
          wouldSkip: 0,
          refused: 1,
          excluded: 0,
          refusals: [{ secretArn: ARN, status: 'failed', error: 'StuckRotationError' }],
          refusedPercentage: 50,
          toleratedFailurePercentage: 0,
          wouldExceedTolerance: true,
        },
      },
      plain,
    );
    expect(lines).toEqual([
      'fleet dry run done, with findings',
      '  selected 2: would rotate 1, would skip 0, refused 1 (50% of 0% tolerated: a real run would fail)',
      `  refused: ${ARN} (StuckRotationError)`,
      `  execution ${EXEC}`,
      '  nothing was changed',
    ]);
  });

  test('a cancel says where it stopped and what to check', () => {
    const lines = cancelLines(
      { executionArn: EXEC, stopped: true, status: 'ABORTED', lastState: 'Grace', advice: { leaves: 'L', check: 'C' } },
      plain,
    );
    expect(lines).toEqual([`stopped ${EXEC}`, '  stopped in:  Grace', '  leaves:      L', '  check:       C']);
  });
});
