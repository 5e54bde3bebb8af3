import type { Server } from 'node:http';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import { StepFunctionsFaults, type StepFunctionsFaultControl } from './faults';
import { createOperationHandlers } from './operations';
import { ExecutionHost, taskResources, type LiveExecution, type NestedRunOptions } from './runner';
import { createStepFunctionsServer } from './server';
import { StepFunctionsState } from './state';

/**
 * The local Step Functions API: StartExecution, DescribeExecution, GetExecutionHistory,
 * ListExecutions, StopExecution, ListStateMachines and DescribeStateMachine over state machines
 * given at start, run by the in-process runner (runner.ts). Point an unmodified SFNClient (or
 * `aws stepfunctions --endpoint-url`) at `endpoint`, or set AWS_ENDPOINT_URL_SFN.
 */

export interface LocalStateMachine {
  /** The state machine's name; its ARN is `arn:aws:states:<region>:<account>:stateMachine:<name>`. */
  readonly name: string;
  /** The ASL definition, placeholders filled. */
  readonly definition: Record<string, unknown>;
  /** Merged over the service's `run` options for this state machine's executions. */
  readonly options?: NestedRunOptions;
}

/** Each Wait state pauses at most this long unless `run.wait` says otherwise: hours of grace take seconds. */
export const DEFAULT_MAX_WAIT_MS = 2000;

export interface LocalStepFunctionsOptions extends LoopbackEmulatorOptions {
  readonly stateMachines: readonly LocalStateMachine[];
  /**
   * What every execution runs with: `lambdaHandlers` (the functions Task states invoke), `wait`
   * (@default `{ maxMs: 2000 }`), `retry` (@default `{ factor: 0.1 }`: backoff kept, ten times faster).
   */
  readonly run?: NestedRunOptions;
  /** The clock for state machines' creation dates. */
  readonly now?: () => Date;
}

export class LocalStepFunctions extends LoopbackEmulator<StepFunctionsFaultControl> {
  /** @internal use startLocalStepFunctions */
  constructor(
    server: Server,
    location: { region: string; accountId: string },
    faults: StepFunctionsFaults,
    private readonly state: StepFunctionsState,
    private readonly host: ExecutionHost,
  ) {
    super(server, location, faults);
  }

  /** The ARN of a state machine of this name here. */
  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  /** An execution by ARN (started through the API or by another execution), live. */
  execution(executionArn: string): LiveExecution | undefined {
    return this.state.execution(executionArn);
  }

  /** Stops what still runs (ExecutionAborted), then closes the server. */
  protected override async close(): Promise<void> {
    await this.host.close();
    await super.close();
  }
}

export async function startLocalStepFunctions(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  const location = emulatorLocation(options);
  const now = options.now ?? (() => new Date());
  const state = new StepFunctionsState();
  const faults = new StepFunctionsFaults();
  const arnOf = (name: string) => `arn:aws:states:${location.region}:${location.accountId}:stateMachine:${name}`;
  const run: NestedRunOptions = { wait: { maxMs: DEFAULT_MAX_WAIT_MS }, retry: { factor: 0.1 }, ...options.run };
  for (const machine of options.stateMachines) {
    state.addStateMachine({
      arn: arnOf(machine.name),
      name: machine.name,
      definition: JSON.stringify(machine.definition, null, 2),
      roleArn: `arn:aws:iam::${location.accountId}:role/${machine.name}-role`,
      creationDate: now(),
      taskResources: taskResources(machine.definition),
    });
  }
  // Every state machine is registered with the host, so a `states:startExecution` task finds the
  // others by ARN and its executions are recorded like those started through the API.
  const host = new ExecutionHost(
    options.stateMachines.map((machine) => ({
      arn: arnOf(machine.name),
      definition: machine.definition,
      options: { ...run, ...machine.options },
    })),
    (execution) => {
      state.recordExecution(execution);
    },
  );
  const server = createStepFunctionsServer(createOperationHandlers(state, host), faults);
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalStepFunctions(server, location, faults, state, host);
}
