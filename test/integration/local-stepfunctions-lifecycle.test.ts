import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import { drillApiKey } from '../../local/drill/api-key-drill';
import { secretArn as arnOf } from '../../local/drill/secret-rotation';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../local/stepfunctions';
import { keyturnStateMachines, LOCAL_STATE_MACHINE_NAMES } from '../../local/up/keyturn-state-machines';
import { stagesOf } from '../support/secrets';

/**
 * keyturn's real lifecycle state machine behind the local Step Functions API: an operator watches a
 * rotation sit in its grace window (the Wait held for a minute here, so the test sees it while it runs)
 * and cancels it there. The new value stays current and the old one stays usable: nothing is revoked.
 */

let stack: LocalStack;
let sfn: LocalStepFunctions;
let client: SFNClient;
let secretArn: string;

beforeAll(async () => {
  stack = await startLocalStack();
  const machines = await keyturnStateMachines(stack);
  sfn = await startLocalStepFunctions({
    stateMachines: machines.stateMachines,
    // Long enough that the grace window is still open when the test stops the execution; stop() ends it.
    run: { lambdaHandlers: machines.lambdaHandlers, wait: { maxMs: 60_000 } },
  });
  client = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1' });
  secretArn = await arnOf(stack.client, (await drillApiKey(stack)).name);
});

afterAll(async () => {
  client.destroy();
  await sfn.stop();
  await stack.stop();
});

async function historyOf(executionArn: string): Promise<HistoryEvent[]> {
  return (await client.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
}

test('a lifecycle stopped in its grace window: ABORTED there, new value current, old one left as AWSPREVIOUS', async () => {
  const { executionArn } = await client.send(
    new StartExecutionCommand({
      stateMachineArn: sfn.stateMachineArn(LOCAL_STATE_MACHINE_NAMES.lifecycle),
      name: 'cancel-in-grace',
      input: JSON.stringify({ secretArn, trigger: 'on-demand' }),
    }),
  );
  const arn = executionArn as string;
  for (;;) {
    const entered = (await historyOf(arn)).filter((e) => e.type === 'WaitStateEntered');
    if (entered.some((e) => e.stateEnteredEventDetails?.name === 'Grace')) break;
    await sleep(50);
  }
  expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
  const rotated = await stagesOf(stack.client, secretArn);

  await client.send(new StopExecutionCommand({ executionArn, error: 'Operator.Cancelled', cause: 'drill' }));
  const described = await client.send(new DescribeExecutionCommand({ executionArn }));
  expect([described.status, described.error, described.cause]).toEqual(['ABORTED', 'Operator.Cancelled', 'drill']);

  const events = await historyOf(arn);
  const entered = events.flatMap((e) => (e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : []));
  expect(entered).toEqual([
    'Begin',
    'Preflight',
    'DryRunOrRotate',
    'RotateSecret',
    'Verify',
    'ReplicaInSync',
    'NotifyConsumers',
    'NotifyConsumersRefreshNeeded',
    'WatchSwitchEnabled',
    'Grace',
  ]);
  expect(events.at(-1)?.type).toBe('ExecutionAborted');
  // Stopped before Drain and Revoke: the labels are as the rotation left them, both versions there.
  expect(await stagesOf(stack.client, secretArn)).toEqual(rotated);
  expect(Object.values(rotated).flat().sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
});
