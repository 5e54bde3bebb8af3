import { runStateMachine } from '../../../local/stepfunctions/runner';
import { commandNameFor, parseSdkResource } from '../../../local/stepfunctions/sdk-integrations';
import { aslErrors, assertValidAsl } from '../../support/asl';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-step';

class MyNamedError extends Error {
  override name = 'MyNamedError';
}

const lambdaInvoke = {
  StartAt: 'Step',
  States: {
    Step: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: FUNCTION_ARN, 'Payload.$': '$' },
      ResultSelector: { 'doubled.$': '$.Payload.doubled' },
      ResultPath: '$.step',
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

const lambdaArnResource = {
  StartAt: 'Step',
  States: { Step: { Type: 'Task', Resource: FUNCTION_ARN, End: true } },
};

const retryThenCatch = {
  StartAt: 'Flaky',
  States: {
    Flaky: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'keyturn-step', 'Payload.$': '$' },
      Retry: [{ ErrorEquals: ['MyNamedError'], MaxAttempts: 2, IntervalSeconds: 30 }],
      Catch: [{ ErrorEquals: ['MyNamedError'], ResultPath: '$.failure', Next: 'Handled' }],
      Next: 'Unreachable',
    },
    Unreachable: { Type: 'Succeed' },
    Handled: { Type: 'Pass', End: true },
  },
};

const longWait = {
  StartAt: 'Hold',
  States: {
    Hold: { Type: 'Wait', Seconds: 3600, Next: 'After' },
    After: { Type: 'Pass', Result: 'woke', End: true },
  },
};

describe('runStateMachine: Lambda tasks', () => {
  it('runs a lambda:invoke task in process and passes its output on', async () => {
    const events: unknown[] = [];
    const result = await runStateMachine(
      lambdaInvoke,
      { n: 21 },
      {
        lambdaHandlers: {
          // Matched by function name although the definition names the full ARN.
          'keyturn-step': (event) => {
            events.push(event);
            return Promise.resolve({ doubled: (event as { n: number }).n * 2 });
          },
        },
      },
    );
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { n: 21, step: { doubled: 42 } } });
    expect(result.history).toEqual(['Step', 'Done']);
    expect(events).toEqual([{ n: 21 }]);
  });

  it('runs a task whose Resource is a Lambda ARN, handler keyed by that ARN', async () => {
    const result = await runStateMachine(
      lambdaArnResource,
      { a: 1 },
      {
        lambdaHandlers: { [FUNCTION_ARN]: (event) => Promise.resolve({ seen: event }) },
      },
    );
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { seen: { a: 1 } } });
  });

  it('retries a named error, then catches it with Error = name and Cause = message', async () => {
    let calls = 0;
    const result = await runStateMachine(
      retryThenCatch,
      { id: 'x' },
      {
        lambdaHandlers: {
          'keyturn-step': () => {
            calls += 1;
            return Promise.reject(new MyNamedError('still broken'));
          },
        },
      },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ id: 'x', failure: { Error: 'MyNamedError', Cause: 'still broken' } });
    expect(calls).toBe(3); // the first attempt and MaxAttempts: 2 retries
    expect(result.events.filter((event) => event.type === 'StateRetried')).toHaveLength(2);
    // As in AWS, a retried state is entered once; each retry is a StateRetried event.
    expect(result.history).toEqual(['Flaky', 'Handled']);
  });

  it('fails the execution with the error name and message when nothing catches it', async () => {
    const result = await runStateMachine(
      lambdaArnResource,
      {},
      {
        lambdaHandlers: { 'keyturn-step': () => Promise.reject(new MyNamedError('boom')) },
      },
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'MyNamedError', cause: 'boom' });
  });

  it('fails like a missing function when no handler is registered', async () => {
    const result = await runStateMachine(lambdaArnResource, {});
    expect(result).toMatchObject({ status: 'FAILED', error: 'Lambda.ResourceNotFoundException' });
  });

  it('refuses a Task resource it cannot serve locally instead of calling AWS', async () => {
    const definition = {
      StartAt: 'Start',
      States: { Start: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } },
    };
    await expect(runStateMachine(definition, {})).rejects.toThrow(/not supported locally/);
    const replaced = await runStateMachine(
      definition,
      {},
      {
        taskOverrides: { Start: () => Promise.resolve({ MessageId: 'm-1' }) },
      },
    );
    expect(replaced.output).toEqual({ MessageId: 'm-1' });
  });

  it('refuses an aws-sdk action the SDK does not have', async () => {
    const definition = {
      StartAt: 'Start',
      States: { Start: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:secretsmanager:frobnicate', End: true } },
    };
    await expect(runStateMachine(definition, {})).rejects.toThrow(/has no FrobnicateCommand/);
  });
});

describe('runStateMachine: waits', () => {
  // Upper bounds prove the hour was shortened, with room for a loaded machine: no bound here depends on its speed.
  it('finishes a 3600-second Wait without waiting the hour', async () => {
    const started = Date.now();
    const result = await runStateMachine(longWait, {});
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: 'woke', history: ['Hold', 'After'] });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('scales Seconds waits by a factor', async () => {
    const started = Date.now();
    const result = await runStateMachine(longWait, {}, { wait: { factor: 50 / 3_600_000 } });
    expect(result.status).toBe('SUCCEEDED');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(20_000);
  });
});

describe('runStateMachine: nesting and timeouts', () => {
  it('serves Lambda tasks inside Parallel branches', async () => {
    const definition = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Left', States: { Left: { Type: 'Task', Resource: FUNCTION_ARN, End: true } } },
            { StartAt: 'Right', States: { Right: { Type: 'Pass', Result: 'r', End: true } } },
          ],
          End: true,
        },
      },
    };
    assertValidAsl(definition);
    const result = await runStateMachine(
      definition,
      { v: 1 },
      {
        lambdaHandlers: { 'keyturn-step': (event) => Promise.resolve({ left: event }) },
      },
    );
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: [{ left: { v: 1 } }, 'r'] });
  });

  it('reports TimeoutSeconds as a States.Timeout failure', async () => {
    const definition = { ...longWait, TimeoutSeconds: 1 };
    const result = await runStateMachine(definition, {}, { wait: { ms: 5000 } });
    expect(result).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
  });
});

describe('aws-sdk resource names', () => {
  it('parses service and action and names the SDK command', () => {
    expect(parseSdkResource('arn:aws:states:::aws-sdk:secretsmanager:rotateSecret')).toEqual({
      service: 'secretsmanager',
      action: 'rotateSecret',
    });
    expect(parseSdkResource('arn:aws:states:::lambda:invoke')).toBeUndefined();
    expect(commandNameFor('rotateSecret')).toBe('RotateSecretCommand');
  });
});

describe('asl-validator helper', () => {
  it.each([
    ['lambda:invoke', lambdaInvoke],
    ['Lambda ARN', lambdaArnResource],
    ['Retry and Catch', retryThenCatch],
    ['Wait', longWait],
  ])('accepts the %s fixture', (_name, definition) => {
    expect(() => {
      assertValidAsl(definition);
    }).not.toThrow();
  });

  it('rejects a broken definition with the validator messages', () => {
    const broken = {
      StartAt: 'Missing',
      States: { Step: { Type: 'Pass', Next: 'Nowhere' } },
    };
    expect(aslErrors(broken).length).toBeGreaterThan(0);
    expect(() => {
      assertValidAsl(broken);
    }).toThrow(/Invalid state machine definition:\n.*(Missing|Nowhere)/s);
  });
});
