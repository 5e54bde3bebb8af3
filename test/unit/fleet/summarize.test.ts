import { Logger } from '@aws-lambda-powertools/logger';
import type { FleetAudit, FleetAuditEventTypeName } from '../../../functions/fleet/audit';
import { FleetAuditEventType, MAX_PAGES_PER_EXECUTION, type FleetOutcome } from '../../../functions/fleet/contract';
import { FLEET_TOLERANCE_EXCEEDED } from '../../../functions/fleet/errors';
import { parseSummarizeInput } from '../../../functions/fleet/input';
import { summarizePage } from '../../../functions/fleet/summarize';
import type { Alert, AlertPublisher } from '../../../functions/tasks/alerts';

const FLEET = 'arn:aws:states:us-east-1:123456789012:execution:keyturn-fleet:run-1';
const NEXT = 'arn:aws:states:us-east-1:123456789012:execution:keyturn-fleet:run-2';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:keyturn-alerts';
const DEFAULT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:keyturn-default';
const arn = (i: number) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:app/key-${i}-AbCdEf`;

function harness() {
  const events: { type: FleetAuditEventTypeName; detail: Record<string, unknown>; resources: string[] }[] = [];
  const alerts: Alert[] = [];
  const audit: FleetAudit = {
    record(type, detail, resources) {
      events.push({ type, detail: { ...detail }, resources });
      return Promise.resolve();
    },
  };
  const publisher: AlertPublisher = {
    publish(alert) {
      alerts.push(alert);
      return Promise.resolve();
    },
  };
  return {
    events,
    alerts,
    deps: { audit, alerts: publisher, logger: new Logger({ logLevel: 'SILENT' }), defaultAlertTopicArn: DEFAULT_TOPIC },
  };
}

const succeeded = (i: number, status: 'rotated' | 'left-in-use' = 'rotated'): FleetOutcome => ({
  secretArn: arn(i),
  status,
  executionArn: `arn:aws:states:us-east-1:123456789012:execution:keyturn-lifecycle:e-${i}`,
});
const failed = (i: number, error = 'RotationInProgressError'): FleetOutcome => ({
  secretArn: arn(i),
  status: 'failed',
  error,
});

function summarizeInput(
  outcomes: FleetOutcome[],
  options: {
    request?: Record<string, unknown>;
    progress?: object;
    nextToken?: string | null;
    execution?: string;
  } = {},
) {
  return parseSummarizeInput({
    request: { selection: { tags: { team: 'a' } }, ...options.request },
    progress: options.progress ?? {},
    fleetExecutionArn: options.execution ?? FLEET,
    page: { nextToken: options.nextToken ?? null, excluded: 0 },
    outcomes: [outcomes],
  });
}

it('records each page (audit event with every outcome) and carries the totals to the next page', async () => {
  const { events, alerts, deps } = harness();
  const progress = await summarizePage(summarizeInput([succeeded(1), failed(2)], { nextToken: 'tags:p2' }), deps);

  expect(progress).toMatchObject({
    fleetId: FLEET,
    pages: 1,
    pagesThisExecution: 1,
    nextToken: 'tags:p2',
    selected: 2,
    succeeded: 1,
    failed: 1,
    done: false,
    continueAsNew: false,
    toleranceExceeded: false,
    failedSample: [failed(2)],
  });
  expect(events).toEqual([
    {
      type: FleetAuditEventType.PageRotated,
      detail: expect.objectContaining({
        fleetId: FLEET,
        page: 1,
        succeeded: 1,
        failed: 1,
        outcomes: [succeeded(1), failed(2)],
      }) as unknown,
      resources: [arn(1), arn(2)],
    },
  ]);
  expect(alerts).toEqual([]);

  const last = await summarizePage(summarizeInput([succeeded(3)], { progress }), deps);
  expect(last).toMatchObject({ pages: 2, selected: 3, succeeded: 2, failed: 1, done: true });
});

it('at the end, within tolerance: succeeds, and alerts once (warning) because a rotation failed', async () => {
  const { events, alerts, deps } = harness();
  const outcomes = [
    ...Array.from({ length: 9 }, (_, i) => succeeded(i)),
    failed(9, 'Lambda.ResourceNotFoundException'),
  ];

  const progress = await summarizePage(
    summarizeInput(outcomes, { request: { toleratedFailurePercentage: 10, alertTopicArn: TOPIC } }),
    deps,
  );

  expect(progress).toMatchObject({
    done: true,
    toleranceExceeded: false,
    summary: {
      fleetId: FLEET,
      selected: 10,
      succeeded: 9,
      failed: 1,
      failurePercentage: 10,
      toleratedFailurePercentage: 10,
    },
  });
  expect(progress.verdict).toBeUndefined();
  expect(events.map((event) => event.type)).toEqual([FleetAuditEventType.PageRotated, FleetAuditEventType.Completed]);
  expect(alerts).toHaveLength(1);
  expect(alerts[0]).toMatchObject({ topicArn: TOPIC, severity: 'warning', rotationId: FLEET });
  expect(alerts[0]?.subject).toBe('keyturn: 1 of 10 fleet rotations failed');
  expect(alerts[0]?.message).toContain(`${arn(9)}: Lambda.ResourceNotFoundException`);
});

it('at the end, above tolerance: a verdict with the named error, and a critical alert to the default topic', async () => {
  const { alerts, deps } = harness();
  const progress = await summarizePage(summarizeInput([succeeded(1), failed(2), failed(3)]), deps);

  expect(progress).toMatchObject({
    done: true,
    toleranceExceeded: true,
    verdict: { error: FLEET_TOLERANCE_EXCEEDED },
    summary: { failurePercentage: 66.67, toleratedFailurePercentage: 0 },
  });
  expect(progress.verdict?.cause).toBe(`2 of 3 rotations failed (66.67%), above the tolerated 0% (fleet ${FLEET})`);
  expect(alerts).toMatchObject([{ topicArn: DEFAULT_TOPIC, severity: 'critical' }]);
});

it('counts left-in-use as rotated and skipped (a policy rule) apart; neither is a failure, so no alert', async () => {
  const { alerts, deps } = harness();
  const skipped: FleetOutcome = { secretArn: arn(3), status: 'skipped', reason: 'MinimumIntervalError' };
  const progress = await summarizePage(summarizeInput([succeeded(1), succeeded(2, 'left-in-use'), skipped]), deps);
  expect(progress).toMatchObject({
    done: true,
    toleranceExceeded: false,
    summary: { selected: 3, succeeded: 2, leftInUse: 1, skipped: 1, failed: 0, failurePercentage: 0 },
  });
  expect(alerts).toEqual([]);
});

it(`continues in a new execution after ${MAX_PAGES_PER_EXECUTION} pages, carrying the totals; the new one resumes them`, async () => {
  const { deps } = harness();
  const full = {
    pagesThisExecution: MAX_PAGES_PER_EXECUTION - 1,
    fleetId: FLEET,
    pages: MAX_PAGES_PER_EXECUTION - 1,
    nextToken: 'tags:p19',
    selected: 1900,
    succeeded: 1899,
    leftInUse: 0,
    skipped: 0,
    failed: 1,
    excluded: 0,
    failedSample: [failed(0)],
  };
  const progress = await summarizePage(
    summarizeInput([succeeded(1)], { progress: full, nextToken: 'tags:p20', request: { reason: 'CHG-1' } }),
    deps,
  );
  expect(progress).toMatchObject({ done: false, continueAsNew: true, pages: MAX_PAGES_PER_EXECUTION });
  expect(progress.continuation).toEqual({
    selection: { tags: { team: 'a' } },
    reason: 'CHG-1',
    continuation: {
      fleetId: FLEET,
      pages: MAX_PAGES_PER_EXECUTION,
      nextToken: 'tags:p20',
      selected: 1901,
      succeeded: 1900,
      leftInUse: 0,
      skipped: 0,
      failed: 1,
      excluded: 0,
      wouldRotate: 0,
      failedSample: [failed(0)],
    },
  });

  // The continued execution starts from the carried progress, under the first execution's fleet id.
  const resumed = await summarizePage(
    parseSummarizeInput({
      request: progress.continuation,
      progress: {},
      fleetExecutionArn: NEXT,
      page: { nextToken: null, excluded: 0 },
      outcomes: [[succeeded(2)]],
    }),
    deps,
  );
  expect(resumed).toMatchObject({
    fleetId: FLEET,
    pagesThisExecution: 1,
    pages: MAX_PAGES_PER_EXECUTION + 1,
    selected: 1902,
    done: true,
    summary: { fleetId: FLEET, selected: 1902, failed: 1 },
  });
});

it('a failed alert publish is logged, never fails the verdict', async () => {
  const { deps } = harness();
  const failing = { ...deps, alerts: { publish: () => Promise.reject(new Error('NotFound')) } };
  await expect(summarizePage(summarizeInput([failed(1)]), failing)).resolves.toMatchObject({ toleranceExceeded: true });
});

describe('dry run', () => {
  const wouldRotate = (i: number): FleetOutcome => ({ ...succeeded(i), status: 'would-rotate' });
  const wouldSkip = (i: number): FleetOutcome => ({
    secretArn: arn(i),
    status: 'skipped',
    reason: 'BlackoutPeriodError',
  });

  it('records nothing and alerts nobody; ends with what a real run would do, refusals and skips named', async () => {
    const { events, alerts, deps } = harness();
    const outcomes = [wouldRotate(1), wouldRotate(2), wouldSkip(3), failed(4)];

    const progress = await summarizePage(
      summarizeInput(outcomes, { request: { dryRun: true, alertTopicArn: TOPIC, toleratedFailurePercentage: 10 } }),
      deps,
    );

    expect(events).toEqual([]);
    expect(alerts).toEqual([]);
    expect(progress).toMatchObject({ done: true, toleranceExceeded: false });
    expect(progress.verdict).toBeUndefined();
    expect(progress.summary).toEqual({
      dryRun: true,
      fleetId: FLEET,
      pages: 1,
      selected: 4,
      wouldRotate: 2,
      wouldSkip: 1,
      refused: 1,
      excluded: 0,
      refusals: [wouldSkip(3), failed(4)],
      refusedPercentage: 25,
      toleratedFailurePercentage: 10,
      wouldExceedTolerance: true,
    });
  });

  it('carries its counts and the dry-run flag into a continued execution', async () => {
    const { events, deps } = harness();
    const first = await summarizePage(
      summarizeInput([wouldRotate(1)], {
        request: { dryRun: true },
        progress: { pagesThisExecution: MAX_PAGES_PER_EXECUTION - 1, pages: MAX_PAGES_PER_EXECUTION - 1 },
        nextToken: 'tags:p7',
      }),
      deps,
    );
    expect(first.continuation).toMatchObject({ dryRun: true, continuation: { wouldRotate: 1, selected: 1 } });

    const resumed = await summarizePage(
      parseSummarizeInput({
        request: first.continuation,
        progress: {},
        fleetExecutionArn: NEXT,
        page: { nextToken: null, excluded: 0 },
        outcomes: [[wouldRotate(2)]],
      }),
      deps,
    );
    expect(resumed.summary).toMatchObject({ dryRun: true, fleetId: FLEET, selected: 2, wouldRotate: 2, refused: 0 });
    expect(events).toEqual([]);
  });
});
