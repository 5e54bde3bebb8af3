import type { LifecycleRequest } from '../../functions/shared/lifecycle-contract';
import type { CommandContext } from '../context';
import { followExecution } from '../executions/follow';
import { exitCodeOfRun, runResultOf } from '../executions/outcome';
import { startRun } from '../executions/start';
import type { ExitCodeValue } from '../output/exit-codes';
import { runResultLines, stateLine, type RunDocument } from '../output/run';

/** The lifecycle's long waits: without --wait, the CLI stops following there and the run goes on. */
const LONG_WAITS = ['Grace', 'DrainWait'];

export interface FollowRunOptions {
  readonly command: RunDocument['command'];
  readonly stateMachine: RunDocument['stateMachine'];
  readonly stateMachineArn: string;
  readonly request: LifecycleRequest;
  /** Follow to the end, through long waits. */
  readonly wait: boolean;
  readonly secretName: string;
}

/** Starts a lifecycle or emergency run, prints each state as it is entered, and reports how it ended. */
export async function startAndFollow(ctx: CommandContext, options: FollowRunOptions): Promise<ExitCodeValue> {
  const { reporter } = ctx;
  const started = await startRun(ctx.aws.sfn, options.stateMachineArn, options.request);
  reporter.progress(reporter.colors.dim(`started ${started.executionArn}`));
  const states: string[] = [];
  const end = await followExecution(ctx.aws.sfn, started.executionArn, {
    onState: (state) => {
      states.push(state.name);
      reporter.progress(stateLine(state, reporter.colors));
    },
    stopAtWaits: options.wait || options.request.dryRun === true ? [] : LONG_WAITS,
    pollMs: ctx.pollMs,
  });
  const result = end.kind === 'waiting' ? { outcome: 'running' as const } : runResultOf(end.execution);
  const doc: RunDocument = {
    command: options.command,
    secretArn: options.request.secretArn,
    executionArn: started.executionArn,
    stateMachine: options.stateMachine,
    dryRun: options.request.dryRun === true,
    status: end.execution.status ?? 'UNKNOWN',
    outcome: result.outcome,
    states,
    ...(end.kind === 'waiting' ? { waitingIn: end.state.name } : {}),
    ...('error' in result && result.error !== undefined ? { error: result.error } : {}),
    ...('cause' in result && result.cause !== undefined ? { cause: result.cause } : {}),
    ...('plan' in result && result.plan !== undefined ? { plan: result.plan } : {}),
    next: `keyturn status ${options.secretName}`,
  };
  reporter.result(doc, runResultLines(doc, reporter.colors));
  return exitCodeOfRun(result.outcome);
}
