import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../local/stepfunctions';

/**
 * The local Step Functions API through the real SFN client: executions run by the in-process runner,
 * observed while they run (a Lambda task held until the test lets it go), stopped, listed, and refused
 * as AWS refuses them.
 */

const HELD_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:held';
const FAILING_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:failing';

/** Lambda calls waiting for the test, by the `order` of their input. */
const held = new Map<string, (result: unknown) => void>();

const invoke = (functionName: string, next: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: functionName, 'Payload.$': '$' },
  ResultSelector: { 'result.$': '$.Payload' },
  ...next,
});

const heldDefinition = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Parameters: { 'order.$': '$.order' }, Next: 'Hold' },
    Hold: invoke(HELD_FUNCTION, { Next: 'Grace' }),
    // An hour of grace: capped locally.
    Grace: { Type: 'Wait', Seconds: 3600, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};
const failingDefinition = {
  StartAt: 'Charge',
  States: { Charge: invoke(FAILING_FUNCTION, { End: true }) },
};

let sfn: LocalStepFunctions;
let client: SFNClient;
let heldArn: string;
let failingArn: string;
let parentArn: string;

beforeAll(async () => {
  const heldMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:held';
  sfn = await startLocalStepFunctions({
    stateMachines: [
      { name: 'held', definition: heldDefinition },
      { name: 'failing', definition: failingDefinition },
      {
        name: 'parent',
        definition: {
          StartAt: 'RunChild',
          States: {
            RunChild: {
              Type: 'Task',
              Resource: 'arn:aws:states:::states:startExecution.sync:2',
              Parameters: { StateMachineArn: heldMachineArn, 'Input.$': '$' },
              End: true,
            },
          },
        },
      },
    ],
    run: {
      wait: { maxMs: 10 },
      lambdaHandlers: {
        [HELD_FUNCTION]: (event) => new Promise((resolve) => held.set((event as { order: string }).order, resolve)),
        [FAILING_FUNCTION]: () => {
          const error = new Error('card declined');
          error.name = 'PaymentDeclined';
          return Promise.reject(error);
        },
      },
    },
  });
  client = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1' });
  heldArn = sfn.stateMachineArn('held');
  failingArn = sfn.stateMachineArn('failing');
  parentArn = sfn.stateMachineArn('parent');
});

afterAll(async () => {
  for (const release of held.values()) release({});
  client.destroy();
  await sfn.stop();
});

/** Polls until `check` returns something defined (each poll is one API call; no timing is asserted). */
async function eventually<T>(check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(20);
  }
}

const waitForHold = (order: string) => eventually(() => held.get(order));

async function statusOf(executionArn: string): Promise<string | undefined> {
  return (await client.send(new DescribeExecutionCommand({ executionArn }))).status;
}

const ended = (executionArn: string) =>
  eventually(async () => {
    const status = await statusOf(executionArn);
    return status === 'RUNNING' ? undefined : status;
  });

async function history(executionArn: string, includeExecutionData = true): Promise<HistoryEvent[]> {
  return (await client.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData }))).events ?? [];
}

const types = (events: HistoryEvent[]) => events.map((event) => event.type);

describe('state machines', () => {
  test('ListStateMachines and DescribeStateMachine show the registered machines and their definitions', async () => {
    const listed = await client.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((m) => [m.name, m.type])).toEqual([
      ['failing', 'STANDARD'],
      ['held', 'STANDARD'],
      ['parent', 'STANDARD'],
    ]);
    const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn: heldArn }));
    expect(described.status).toBe('ACTIVE');
    expect(JSON.parse(described.definition ?? '')).toEqual(heldDefinition);
  });

  test('an unknown state machine is StateMachineDoesNotExist; something that is no ARN is InvalidArn', async () => {
    const missing = heldArn.replace(':held', ':nothing');
    await expect(client.send(new DescribeStateMachineCommand({ stateMachineArn: missing }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: 'held' }))).rejects.toMatchObject({
      name: 'InvalidArn',
    });
  });
});

describe('an execution while it runs, and after', () => {
  test('RUNNING with a growing history, then SUCCEEDED with its output and the history AWS records', async () => {
    const started = await client.send(
      new StartExecutionCommand({ stateMachineArn: heldArn, name: 'order-1', input: '{"order":"o-1"}' }),
    );
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:held:order-1');
    const executionArn = started.executionArn as string;
    const release = await waitForHold('o-1');

    expect(await statusOf(executionArn)).toBe('RUNNING');
    const whileRunning = await history(executionArn);
    expect(types(whileRunning)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
    ]);
    expect(whileRunning[1]?.stateEnteredEventDetails).toEqual({
      name: 'Prepare',
      input: '{"order":"o-1"}',
      inputDetails: { truncated: false },
    });

    release({ approved: true });
    expect(await ended(executionArn)).toBe('SUCCEEDED');
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(JSON.parse(described.output ?? '')).toEqual({ result: { approved: true } });
    expect(described.input).toBe('{"order":"o-1"}');
    expect(described.stopDate).toBeInstanceOf(Date);

    const events = await history(executionArn);
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => [e.id, e.previousEventId])).toEqual(events.map((_, i) => [i + 1, i]));
    expect(events[4]?.stateExitedEventDetails).toMatchObject({ name: 'Hold', output: '{"result":{"approved":true}}' });
    expect(events.at(-1)?.executionSucceededEventDetails?.output).toBe('{"result":{"approved":true}}');
  });

  test('includeExecutionData false leaves every input and output out; reverseOrder and paging walk the same events', async () => {
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: heldArn, input: '{"order":"o-2"}' }),
    );
    (await waitForHold('o-2'))({ token: 'not-for-the-history' });
    await ended(executionArn as string);

    const withoutData = JSON.stringify(await history(executionArn as string, false));
    expect(withoutData).not.toContain('o-2');
    expect(withoutData).not.toContain('not-for-the-history');
    expect(withoutData).toContain('"name":"Hold"');

    const all = await history(executionArn as string);
    const reversed = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(reversed.events?.map((e) => e.id)).toEqual(all.map((e) => e.id).reverse());

    const paged: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 3, nextToken }));
      expect(page.events?.length).toBeLessThanOrEqual(3);
      paged.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
  });

  test('a failing Lambda task: FAILED with its error and cause, TaskFailed naming the resource, ExecutionFailed', async () => {
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: failingArn }));
    expect(await ended(executionArn as string)).toBe('FAILED');
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect([described.error, described.cause]).toEqual(['PaymentDeclined', 'card declined']);
    const events = await history(executionArn as string);
    expect(types(events)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskFailed', 'ExecutionFailed']);
    expect(events[2]?.taskFailedEventDetails).toEqual({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'PaymentDeclined',
      cause: 'card declined',
    });
    expect(events[3]?.executionFailedEventDetails).toEqual({ error: 'PaymentDeclined', cause: 'card declined' });
  });
});

describe('StopExecution', () => {
  test('aborts the run: ABORTED with the error and cause given, ExecutionAborted last, nothing after it', async () => {
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: heldArn, input: '{"order":"o-stop"}' }),
    );
    const release = await waitForHold('o-stop');
    const stopped = await client.send(
      new StopExecutionCommand({ executionArn, error: 'Operator.Cancelled', cause: 'wrong secret' }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(await ended(executionArn as string)).toBe('ABORTED');
    // The held task ends after the stop: the execution must not go on to the next state.
    release({});
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect([described.status, described.error, described.cause]).toEqual([
      'ABORTED',
      'Operator.Cancelled',
      'wrong secret',
    ]);
    const events = await history(executionArn as string);
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Operator.Cancelled', cause: 'wrong secret' },
    });
    expect(types(events)).not.toContain('WaitStateEntered');
  });

  test('an execution that does not exist is ExecutionDoesNotExist', async () => {
    const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:held:never-started';
    await expect(client.send(new StopExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });
});

describe('StartExecution rules', () => {
  test('the same name and input while open is the same execution; other input, or once closed, ExecutionAlreadyExists', async () => {
    const request = { stateMachineArn: heldArn, name: 'retried', input: '{"order":"o-retry"}' };
    const first = await client.send(new StartExecutionCommand(request));
    const release = await waitForHold('o-retry');
    const again = await client.send(new StartExecutionCommand(request));
    expect(again.executionArn).toBe(first.executionArn);
    await expect(
      client.send(new StartExecutionCommand({ ...request, input: '{"order":"other"}' })),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });

    release({});
    await ended(first.executionArn as string);
    await expect(client.send(new StartExecutionCommand(request))).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  test('input that is not JSON is InvalidExecutionInput; a name AWS forbids is InvalidName', async () => {
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: heldArn, input: '{order: 1' })),
    ).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: heldArn, name: 'has space', input: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidName' });
  });
});

describe('ListExecutions', () => {
  test('newest first, by status, page by page; executions started by a task are listed under their own machine', async () => {
    const parent = await client.send(
      new StartExecutionCommand({ stateMachineArn: parentArn, input: '{"order":"o-child"}' }),
    );
    const release = await waitForHold('o-child');
    const running = await client.send(new ListExecutionsCommand({ stateMachineArn: heldArn, statusFilter: 'RUNNING' }));
    expect(running.executions).toHaveLength(1);
    const child = running.executions?.[0];
    expect(child?.stateMachineArn).toBe(heldArn);
    expect(await statusOf(parent.executionArn as string)).toBe('RUNNING');

    release({});
    expect(await ended(parent.executionArn as string)).toBe('SUCCEEDED');
    expect(await statusOf(child?.executionArn as string)).toBe('SUCCEEDED');

    const all = (await client.send(new ListExecutionsCommand({ stateMachineArn: heldArn }))).executions ?? [];
    expect(all[0]?.executionArn).toBe(child?.executionArn);
    const starts = all.map((e) => e.startDate?.getTime() ?? 0);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));

    const paged: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListExecutionsCommand({ stateMachineArn: heldArn, maxResults: 2, nextToken }));
      paged.push(...(page.executions ?? []).map((e) => e.executionArn as string));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(paged).toEqual(all.map((e) => e.executionArn));

    const aborted = await client.send(new ListExecutionsCommand({ stateMachineArn: heldArn, statusFilter: 'ABORTED' }));
    expect(aborted.executions?.map((e) => e.status)).toEqual(['ABORTED']);
  });
});
