import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { statesEntered } from '../../../cli/executions/follow';
import { exitCodeOfRun, runResultOf, RUN_OUTCOMES } from '../../../cli/executions/outcome';
import { stopAdvice } from '../../../cli/executions/stop-advice';
import { ExitCode } from '../../../cli/output/exit-codes';

describe('how a lifecycle execution ended (as the fleet reads it)', () => {
  test.each([
    [{ status: 'RUNNING' }, { outcome: 'running' }],
    [{ status: 'SUCCEEDED', output: JSON.stringify({ revoke: { revoked: true } }) }, { outcome: 'rotated' }],
    [
      {
        status: 'SUCCEEDED',
        output: JSON.stringify({ failure: { Error: 'MinimumIntervalError', Cause: 'rotated 5 min ago' } }),
      },
      { outcome: 'skipped', error: 'MinimumIntervalError', cause: 'rotated 5 min ago' },
    ],
    [{ status: 'SUCCEEDED', output: JSON.stringify({ drain: { inUse: true } }) }, { outcome: 'left-in-use' }],
    [
      { status: 'SUCCEEDED', output: JSON.stringify({ plan: { strategy: 'single-user', steps: ['grace 900 s'] } }) },
      { outcome: 'planned', plan: { strategy: 'single-user', steps: ['grace 900 s'] } },
    ],
    [
      { status: 'FAILED', error: 'VerifyFailedError', cause: 'login refused' },
      { outcome: 'failed', error: 'VerifyFailedError', cause: 'login refused' },
    ],
    [
      { status: 'ABORTED', error: 'CancelledByOperator', cause: 'cancelled by ops' },
      { outcome: 'stopped', error: 'CancelledByOperator', cause: 'cancelled by ops' },
    ],
    [{ status: 'TIMED_OUT' }, { outcome: 'failed', error: 'States.Timeout' }],
  ] as const)('%j', (execution, expected) => {
    expect(runResultOf(execution)).toEqual(expected);
  });

  test('exit codes: 0 rotated, 3 findings, 1 failed', () => {
    expect(Object.fromEntries(RUN_OUTCOMES.map((o) => [o, exitCodeOfRun(o)]))).toEqual({
      running: ExitCode.Success,
      rotated: ExitCode.Success,
      planned: ExitCode.Success,
      'left-in-use': ExitCode.Findings,
      skipped: ExitCode.Findings,
      failed: ExitCode.Failed,
      stopped: ExitCode.Failed,
    });
  });
});

describe('states entered, from history events', () => {
  test('names, types, and the wait of Grace from its input', () => {
    const at = new Date('2026-12-07T17:00:00Z');
    const events: HistoryEvent[] = [
      { id: 1, type: 'ExecutionStarted', timestamp: at, previousEventId: 0 },
      {
        id: 2,
        type: 'TaskStateEntered',
        timestamp: at,
        previousEventId: 1,
        stateEnteredEventDetails: { name: 'Begin' },
      },
      { id: 3, type: 'TaskStateExited', timestamp: at, previousEventId: 2, stateExitedEventDetails: { name: 'Begin' } },
      {
        id: 4,
        type: 'WaitStateEntered',
        timestamp: at,
        previousEventId: 3,
        stateEnteredEventDetails: {
          name: 'Grace',
          input: JSON.stringify({ preflight: { settings: { graceSeconds: 900 } } }),
        },
      },
      {
        id: 5,
        type: 'WaitStateEntered',
        timestamp: at,
        previousEventId: 4,
        stateEnteredEventDetails: { name: 'DrainWait' },
      },
      {
        id: 6,
        type: 'FailStateEntered',
        timestamp: at,
        previousEventId: 5,
        stateEnteredEventDetails: { name: 'Failed' },
      },
    ];
    expect(statesEntered(events)).toEqual([
      { name: 'Begin', type: 'Task', at },
      { name: 'Grace', type: 'Wait', at, waitSeconds: 900 },
      { name: 'DrainWait', type: 'Wait', at, waitSeconds: 60 },
      { name: 'Failed', type: 'Fail', at },
    ]);
  });
});

describe('what a stop leaves', () => {
  test.each([
    [undefined, /nothing changed/],
    ['Preflight', /nothing changed/],
    ['RotateSecret', /AWSPENDING/],
    ['Verify', /AWSPENDING/],
    ['Grace', /old one \(AWSPREVIOUS\) was not revoked/],
    ['DrainWait', /old one \(AWSPREVIOUS\) was not revoked/],
    ['Revoke', /may or may not have taken effect/],
    ['ReportFailure', /only its report/],
  ])('stopped in %s', (state, leaves) => {
    const advice = stopAdvice(state, 'orders-db');
    expect(advice.leaves).toMatch(leaves);
    expect(advice.check).toContain('orders-db');
  });
});
