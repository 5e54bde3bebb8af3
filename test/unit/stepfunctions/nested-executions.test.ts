import { runStateMachine, type StateMachineRunResult } from '../../../local/stepfunctions/runner';
import { assertValidAsl } from '../../support/asl';

const CHILD_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:child';

/** A child that doubles `n` in a Lambda, or fails with a named error when `fail` is set. */
const child = {
  StartAt: 'ShouldFail',
  States: {
    ShouldFail: {
      Type: 'Choice',
      Choices: [{ Variable: '$.fail', IsPresent: true, Next: 'Broken' }],
      Default: 'Double',
    },
    Double: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'double', 'Payload.$': '$' },
      ResultSelector: { 'doubled.$': '$.Payload' },
      End: true,
    },
    Broken: { Type: 'Fail', Error: 'ChildBrokenError', Cause: 'the child was told to fail' },
  },
};

function parentOf(resource: string, extra: Record<string, unknown> = {}): object {
  return {
    StartAt: 'StartChild',
    States: {
      StartChild: {
        Type: 'Task',
        Resource: resource,
        Parameters: { StateMachineArn: CHILD_ARN, 'Input.$': '$' },
        ...extra,
        End: true,
      },
    },
  };
}

const lambdaHandlers = { double: (event: unknown) => Promise.resolve((event as { n: number }).n * 2) };
const stateMachines = { [CHILD_ARN]: { definition: child } };

describe('states:startExecution: nested executions run in process', () => {
  it('is valid ASL', () => {
    assertValidAsl(child);
    assertValidAsl(parentOf('arn:aws:states:::states:startExecution.sync:2'));
  });

  it('.sync:2 returns DescribeExecution with Output and Input as JSON, the child inheriting lambdaHandlers', async () => {
    const result = await runStateMachine(
      parentOf('arn:aws:states:::states:startExecution.sync:2'),
      { n: 21 },
      {
        lambdaHandlers,
        stateMachines,
      },
    );

    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as Record<string, unknown>;
    expect(output).toMatchObject({
      Status: 'SUCCEEDED',
      StateMachineArn: CHILD_ARN,
      Input: { n: 21 },
      Output: { doubled: 42 },
      OutputDetails: { Included: true },
    });
    expect(output.ExecutionArn).toMatch(/^arn:aws:states:us-east-1:123456789012:execution:child:[0-9a-f-]{36}$/);
    expect(typeof output.StartDate).toBe('number');
    expect(output.StopDate as number).toBeGreaterThanOrEqual(output.StartDate as number);
    // The child's own history is kept apart from the parent's, as in AWS.
    expect(result.history).toEqual(['StartChild']);
    expect(result.childExecutions).toHaveLength(1);
    expect(result.childExecutions[0]).toMatchObject({
      executionArn: output.ExecutionArn,
      history: ['ShouldFail', 'Double'],
      output: { doubled: 42 },
    });
  });

  it('.sync returns Output and Input as JSON strings', async () => {
    const result = await runStateMachine(
      parentOf('arn:aws:states:::states:startExecution.sync'),
      { n: 2 },
      {
        lambdaHandlers,
        stateMachines,
      },
    );
    expect(result.output).toMatchObject({ Status: 'SUCCEEDED', Input: '{"n":2}', Output: '{"doubled":4}' });
  });

  it('plain startExecution answers at once with the execution ARN; the run still waits for the child', async () => {
    let finished = false;
    const slowHandlers = {
      double: async (event: unknown) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        finished = true;
        return (event as { n: number }).n * 2;
      },
    };
    const result = await runStateMachine(
      parentOf('arn:aws:states:::states:startExecution'),
      { n: 1 },
      {
        lambdaHandlers: slowHandlers,
        stateMachines,
      },
    );
    expect(Object.keys(result.output as object).sort()).toEqual(['ExecutionArn', 'StartDate']);
    expect(finished).toBe(true);
    expect(result.childExecutions[0]?.output).toEqual({ doubled: 2 });
  });

  it('a failed child fails the task with States.TaskFailed and the DescribeExecution JSON as the Cause', async () => {
    const caught = parentOf('arn:aws:states:::states:startExecution.sync:2', {
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Handled' }],
    }) as { States: Record<string, unknown> };
    caught.States.Handled = { Type: 'Pass', End: true };
    delete (caught.States.StartChild as { End?: boolean }).End;
    (caught.States.StartChild as { Next?: string }).Next = 'Handled';
    assertValidAsl(caught);

    const result = await runStateMachine(caught, { n: 1, fail: true }, { lambdaHandlers, stateMachines });

    const failure = (result.output as { failure: { Error: string; Cause: string } }).failure;
    expect(failure.Error).toBe('States.TaskFailed');
    const described = JSON.parse(failure.Cause) as Record<string, unknown>;
    expect(described).toMatchObject({
      Status: 'FAILED',
      Error: 'ChildBrokenError',
      Cause: 'the child was told to fail',
      StateMachineArn: CHILD_ARN,
      Input: { n: 1, fail: true },
    });
    expect(described).not.toHaveProperty('Output');
  });

  it('an unknown state machine fails the task with StepFunctions.StateMachineDoesNotExistException', async () => {
    const result = await runStateMachine(
      parentOf('arn:aws:states:::states:startExecution.sync:2'),
      {},
      {
        lambdaHandlers,
      },
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'StepFunctions.StateMachineDoesNotExistException' });
    expect(result.cause).toContain(CHILD_ARN);
  });

  it('refuses an execution name used before for the same state machine once that execution has ended', async () => {
    const startNamed = (next: string | undefined) => ({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: CHILD_ARN, Name: 'once', Input: { n: 1 } },
      ResultPath: null,
      ...(next ? { Next: next } : { End: true }),
    });
    const named = { StartAt: 'First', States: { First: startNamed('Again'), Again: startNamed(undefined) } };
    const result = await runStateMachine(named, {}, { lambdaHandlers, stateMachines });
    expect(result).toMatchObject({ status: 'FAILED', error: 'StepFunctions.ExecutionAlreadyExistsException' });
    expect(result.childExecutions.map((execution) => execution.name)).toEqual(['once']);
  });

  it('joins a running execution started with the same name and input (a retried start does not run twice)', async () => {
    let runs = 0;
    const slowDouble = async (event: unknown) => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 30));
      return (event as { n: number }).n * 2;
    };
    const twice = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Map',
          ItemsPath: '$.inputs',
          ItemProcessor: {
            StartAt: 'Start',
            States: {
              Start: {
                Type: 'Task',
                Resource: 'arn:aws:states:::states:startExecution.sync:2',
                Parameters: { StateMachineArn: CHILD_ARN, Name: 'same', 'Input.$': '$' },
                ResultSelector: { 'arn.$': '$.ExecutionArn', 'output.$': '$.Output' },
                End: true,
              },
            },
          },
          End: true,
        },
      },
    };
    const same = await runStateMachine(
      twice,
      { inputs: [{ n: 5 }, { n: 5 }] },
      {
        lambdaHandlers: { double: slowDouble },
        stateMachines,
      },
    );
    expect(same.status).toBe('SUCCEEDED');
    expect(runs).toBe(1);
    const [a, b] = same.output as { arn: string; output: unknown }[];
    expect(a).toEqual(b);

    const different = await runStateMachine(
      twice,
      { inputs: [{ n: 5 }, { n: 6 }] },
      {
        lambdaHandlers: { double: slowDouble },
        stateMachines,
      },
    );
    expect(different).toMatchObject({ status: 'FAILED', error: 'StepFunctions.ExecutionAlreadyExistsException' });
  });

  it('lets a definition start itself under its own ARN (continue in a new execution)', async () => {
    const selfArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:countdown';
    const countdown = {
      StartAt: 'Done?',
      States: {
        'Done?': {
          Type: 'Choice',
          Choices: [{ Variable: '$.left', NumericEquals: 0, Next: 'Finished' }],
          Default: 'Continue',
        },
        Continue: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution',
          Parameters: {
            'StateMachineArn.$': '$$.StateMachine.Id',
            Input: { 'left.$': 'States.MathAdd($.left, -1)' },
          },
          End: true,
        },
        Finished: { Type: 'Succeed' },
      },
    };
    const result = await runStateMachine(countdown, { left: 2 }, { stateMachineArn: selfArn });
    const chain: StateMachineRunResult[] = [];
    for (let run: StateMachineRunResult | undefined = result; run; run = run.childExecutions[0]) chain.push(run);
    expect(chain.map((run) => run.input)).toEqual([{ left: 2 }, { left: 1 }, { left: 0 }]);
    expect(chain.every((run) => run.stateMachineArn === selfArn)).toBe(true);
  });
});

describe('the Context Object', () => {
  const reflect = {
    StartAt: 'Reflect',
    States: {
      Reflect: {
        Type: 'Pass',
        Parameters: {
          'executionId.$': '$$.Execution.Id',
          'executionName.$': '$$.Execution.Name',
          'startTime.$': '$$.Execution.StartTime',
          'input.$': '$$.Execution.Input',
          'stateMachineId.$': '$$.StateMachine.Id',
          'stateMachineName.$': '$$.StateMachine.Name',
        },
        End: true,
      },
    },
  };

  it('is filled by default: a fake execution ARN with a random name, start time, input and state machine', async () => {
    const first = await runStateMachine(reflect, { a: 1 });
    const second = await runStateMachine(reflect, { a: 1 });
    const output = first.output as Record<string, string>;
    expect(output.executionId).toBe(first.executionArn);
    expect(output.executionId).toBe(
      `arn:aws:states:us-east-1:123456789012:execution:local:${output.executionName ?? ''}`,
    );
    expect(output.executionName).not.toBe((second.output as Record<string, string>).executionName);
    expect(new Date(output.startTime ?? '').getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(output.input).toEqual({ a: 1 });
    expect(output).toMatchObject({
      stateMachineId: 'arn:aws:states:us-east-1:123456789012:stateMachine:local',
      stateMachineName: 'local',
    });
  });

  it('takes the state machine ARN and execution name from the options, and Map iterations see the parent execution', async () => {
    const mapped = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemSelector: { 'item.$': '$$.Map.Item.Value', 'execution.$': '$$.Execution.Id' },
          ItemProcessor: { StartAt: 'Inner', States: { Inner: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    };
    const arn = 'arn:aws:states:eu-west-1:210987654321:stateMachine:fleet';
    const result = await runStateMachine(mapped, { items: [1, 2] }, { stateMachineArn: arn, executionName: 'run-1' });
    const execution = 'arn:aws:states:eu-west-1:210987654321:execution:fleet:run-1';
    expect(result.executionArn).toBe(execution);
    expect(result.output).toEqual([
      { item: 1, execution },
      { item: 2, execution },
    ]);
  });
});

describe('Map MaxConcurrency', () => {
  it.each([
    [3, 3],
    [0, 40], // 0 means "no limit": inline Map runs at most 40 iterations at once, in AWS as here
  ])('MaxConcurrency %i runs at most %i iterations at once', async (maxConcurrency, expected) => {
    let running = 0;
    let peak = 0;
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          MaxConcurrency: maxConcurrency,
          ItemProcessor: {
            StartAt: 'Work',
            States: {
              Work: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke',
                Parameters: { FunctionName: 'work' },
                End: true,
              },
            },
          },
          End: true,
        },
      },
    };
    const work = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      return null;
    };
    const result = await runStateMachine(
      definition,
      Array.from({ length: 100 }, (_, i) => i),
      {
        lambdaHandlers: { work },
      },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(peak).toBe(expected);
  });
});

describe('retry timing', () => {
  const flaky = {
    StartAt: 'Flaky',
    States: {
      Flaky: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'flaky' },
        Retry: [{ ErrorEquals: ['FlakyError'], IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 2 }],
        End: true,
      },
    },
  };

  it('{ factor } keeps the backoff of the Retry field, scaled', async () => {
    const calls: number[] = [];
    const flakyHandler = () => {
      calls.push(Date.now());
      if (calls.length < 3) return Promise.reject(Object.assign(new Error('not yet'), { name: 'FlakyError' }));
      return Promise.resolve('ok');
    };
    const result = await runStateMachine(
      flaky,
      {},
      { lambdaHandlers: { flaky: flakyHandler }, retry: { factor: 0.02 } },
    );
    expect(result.status).toBe('SUCCEEDED');
    const [first = 0, second = 0, third = 0] = calls;
    // 2 s and 4 s, scaled by 0.02: 40 ms, then 80 ms.
    expect(second - first).toBeGreaterThanOrEqual(35);
    expect(third - second).toBeGreaterThanOrEqual(75);
    expect(third - second).toBeLessThan(4000); // the unscaled 4 s: scaled, whatever the machine's load
  });
});

describe('task timeouts', () => {
  it('keeps an explicit TimeoutSeconds (a Task without one gets AWS default, not 60 s)', async () => {
    const definition = {
      StartAt: 'Slow',
      States: {
        Slow: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'slow' },
          TimeoutSeconds: 1,
          End: true,
        },
      },
    };
    const slow = () =>
      new Promise((resolve) =>
        setTimeout(() => {
          resolve('late');
        }, 1500),
      );
    const result = await runStateMachine(definition, {}, { lambdaHandlers: { slow } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });
});
