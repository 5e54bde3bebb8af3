import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  DEFAULT_STATE_MACHINE_NAME,
  executionArnOf,
  isValidExecutionName,
  newExecutionName,
  stateMachineIdentity,
  type StateMachineIdentity,
} from './executions';
import {
  parseSdkResource,
  resolveSdkCommand,
  SDK_SERVICE_INTEGRATIONS,
  TaskError,
  toStepFunctionsError,
  toTaskResult,
  type SdkClientLike,
  type SdkServiceIntegration,
} from './sdk-integrations';

/*
 * aws-local-stepfunctions 3 calls `Promise.withResolvers` (Node 22+) inside every Task state.
 * On Node 20 that is a TypeError thrown *inside* the task, which the library then treats as
 * the task's error: executions fall silently into Catch branches (States.ALL) instead of
 * failing loudly. Install the standard polyfill, only where the runtime lacks it.
 */
interface PromiseWithResolversPolyfill {
  withResolvers?: <T>() => { promise: Promise<T>; resolve: (value: T) => void; reject: (reason?: unknown) => void };
}
const promiseStatics = Promise as unknown as PromiseWithResolversPolyfill;
if (typeof promiseStatics.withResolvers !== 'function') {
  promiseStatics.withResolvers = <T>() => {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

/** A Lambda function run in process: receives the payload, returns the function's result. */
export type LambdaHandler = (event: unknown) => Promise<unknown>;
/** A Task state replaced outright: receives the state's effective input (after Parameters). */
export type TaskHandler = (input: unknown) => Promise<unknown>;

export type WaitShortening =
  /** Every Wait state pauses this many milliseconds. */
  | { readonly ms: number }
  /** `Seconds` waits last `Seconds × 1000 × factor` ms; dynamic ones (SecondsPath, Timestamp...) `dynamicMs`. */
  | { readonly factor: number; readonly dynamicMs?: number }
  /**
   * Every Wait state pauses as long as it says, but at most `maxMs`: `Seconds` waits
   * `min(Seconds × 1000, maxMs)`; dynamic ones (SecondsPath, Timestamp...), unknown until they run, `maxMs`.
   */
  | { readonly maxMs: number };

export type RetryTiming =
  /** Every retry pauses this many milliseconds (no backoff, no jitter). */
  | { readonly ms: number }
  /**
   * Retries pause as the Retry field says (IntervalSeconds, BackoffRate, MaxDelaySeconds,
   * JitterStrategy), scaled by this factor: `{ factor: 1 }` is real time, `{ factor: 0.1 }` ten times faster.
   */
  | { readonly factor: number };

/** A state machine that `states:startExecution` tasks can start, run in process by the same runner. */
export interface NestedStateMachine {
  /** The definition (an object or a path to a JSON file). */
  readonly definition: object | string;
  /**
   * Merged over the options of the run that starts it: `lambdaHandlers`, `sdkServices` and
   * `stateMachines` key by key; `wait` and `retry` replaced when given. `taskOverrides` name the
   * nested definition's own states and are never inherited.
   */
  readonly options?: NestedRunOptions;
}

export type NestedRunOptions = Omit<
  RunStateMachineOptions,
  'context' | 'executionName' | 'stateMachineArn' | 'onExecution'
>;

export interface RunStateMachineOptions {
  /** Lambda functions by name, full ARN or `name:qualifier`; Lambda Task states run them in process. */
  readonly lambdaHandlers?: Readonly<Record<string, LambdaHandler>>;
  /** Task states by name whose resource is replaced outright (wins over every other mapping). */
  readonly taskOverrides?: Readonly<Record<string, TaskHandler>>;
  /** Services for `aws-sdk:` integrations, merged over the built-in ones (Secrets Manager). */
  readonly sdkServices?: Readonly<Record<string, SdkServiceIntegration>>;
  /**
   * State machines that `arn:aws:states:::states:startExecution[.sync[:2]]` tasks start, keyed by
   * ARN or name (a name matches any ARN ending in `:stateMachine:<name>`). The run's own definition
   * can always start itself under its `stateMachineArn`.
   */
  readonly stateMachines?: Readonly<Record<string, NestedStateMachine>>;
  /** How Wait states are shortened. @default { ms: 0 } */
  readonly wait?: WaitShortening;
  /** How long retries pause. Wins over `retryIntervalMs`. @default { ms: retryIntervalMs } */
  readonly retry?: RetryTiming;
  /** Pause before each retry, in ms, for every state with a Retry field. @default 0 */
  readonly retryIntervalMs?: number;
  /** This state machine's ARN or name (`$$.StateMachine.Id`, and the execution ARN's prefix). @default 'local' */
  readonly stateMachineArn?: string;
  /** The execution's name (`$$.Execution.Name`, last part of `$$.Execution.Id`). @default a random UUID */
  readonly executionName?: string;
  /**
   * Merged over the Context Object the runner fills (`Execution.Id`, `Name`, `RoleArn`,
   * `RedriveCount`, `StateMachine.Id`, `Name`); the library sets `Execution.Input` and `StartTime`.
   */
  readonly context?: Record<string, unknown>;
  /**
   * Called as the run's execution and every execution it starts (`states:startExecution`) begin,
   * with a live view of it: its events as they happen, its outcome once ended, and `stop()`.
   */
  readonly onExecution?: (execution: LiveExecution) => void;
}

export interface StateMachineEvent {
  readonly type: string;
  readonly state?: { readonly name: string; readonly type: string; readonly input: unknown; readonly output?: unknown };
  readonly Error?: string;
  readonly Cause?: unknown;
  readonly [other: string]: unknown;
}

/** How an execution ended; `ABORTED` only when stopped ({@link LiveExecution.stop}). */
export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface StateMachineRunResult {
  /** As DescribeExecution reports it; a definition's TimeoutSeconds elapsing is `TIMED_OUT` with error `States.Timeout`. */
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Names of the states entered, in order (a retried state is entered once; retries are StateRetried events). */
  readonly history: string[];
  /** The library's execution event log (StateEntered, StateRetried, StateCaught, ...). */
  readonly events: StateMachineEvent[];
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
  readonly startDate: Date;
  readonly stopDate: Date;
  /** Executions this one started with `states:startExecution` tasks, each with its own history, in the order they ended. */
  readonly childExecutions: StateMachineRunResult[];
}

/** An execution as it runs: what DescribeExecution and GetExecutionHistory read while it is open. */
export interface LiveExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
  /** The input as JSON text (StartExecution with the same name and input joins the open execution). */
  readonly inputJson: string;
  readonly startDate: Date;
  /** The library's events so far, in order; grows while the execution runs. */
  readonly events: readonly StateMachineEvent[];
  /** Undefined while the execution runs. */
  readonly outcome: StateMachineRunResult | undefined;
  readonly result: Promise<StateMachineRunResult>;
  /** Aborts the execution (StopExecution): it ends ABORTED with this error and cause. Nothing once it has ended. */
  stop(error?: string, cause?: string): void;
}

/** Why a StartExecution was refused: `code` is Step Functions' exception name, without `Exception`. */
export class StartExecutionError extends Error {
  constructor(
    readonly code: 'StateMachineDoesNotExist' | 'ExecutionAlreadyExists' | 'InvalidName' | 'InvalidExecutionInput',
    message: string,
  ) {
    super(message);
    this.name = 'StartExecutionError';
  }
}

interface AslState {
  Type?: string;
  Resource?: string;
  Seconds?: number;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Retry?: { IntervalSeconds?: number; MaxDelaySeconds?: number }[];
  Branches?: { States?: Record<string, AslState> }[];
  Iterator?: { States?: Record<string, AslState> };
  ItemProcessor?: { States?: Record<string, AslState> };
}

/** Every state of the definition, nested Parallel branches and Map processors included (names are unique across them). */
function allStates(states: Record<string, AslState> | undefined): [string, AslState][] {
  const found: [string, AslState][] = [];
  for (const [name, state] of Object.entries(states ?? {})) {
    found.push([name, state]);
    for (const branch of state.Branches ?? []) found.push(...allStates(branch.States));
    found.push(...allStates(state.Iterator?.States), ...allStates(state.ItemProcessor?.States));
  }
  return found;
}

/** The Resource of every Task state of a definition, by state name (for history events that name it). */
export function taskResources(definition: Record<string, unknown>): Record<string, string> {
  const resources: Record<string, string> = {};
  for (const [name, state] of allStates(definition.States as Record<string, AslState> | undefined)) {
    if (state.Type === 'Task' && state.Resource !== undefined) resources[name] = state.Resource;
  }
  return resources;
}

const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:([^:]+)(?::([^:]+))?$/;
const START_EXECUTION = /^arn:aws[a-z-]*:states:::states:startExecution(\.sync(?::2)?)?$/;

/**
 * AWS's default Task TimeoutSeconds is 99999999 (the library's, the ASL spec's 60). Node timers
 * hold at most 2^31-1 ms, so a Task without a timeout gets the longest one a timer can hold.
 */
const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Name and qualifier of a function given by name, `name:qualifier`, or (partial) ARN. */
function functionReference(nameOrArn: string): { name: string; qualifier?: string } {
  const arn = LAMBDA_ARN.exec(nameOrArn);
  if (arn?.[1]) return { name: arn[1], qualifier: arn[2] };
  const [name = nameOrArn, qualifier] = nameOrArn.replace(/^\d{12}:function:/, '').split(':');
  return { name, qualifier };
}

function findLambdaHandler(
  handlers: Readonly<Record<string, LambdaHandler>>,
  functionName: string,
): LambdaHandler | undefined {
  const exact = handlers[functionName];
  if (exact) return exact;
  const wanted = functionReference(functionName);
  for (const [key, handler] of Object.entries(handlers)) {
    const candidate = functionReference(key);
    if (candidate.name !== wanted.name) continue;
    if (candidate.qualifier === undefined || candidate.qualifier === wanted.qualifier) return handler;
  }
  return undefined;
}

/** Handler errors keep their name (the ASL `Error`) and message (the `Cause`), as Lambda reports them. */
function asTaskError(error: unknown): TaskError {
  if (error instanceof TaskError) return error;
  if (error instanceof Error) return new TaskError(error.name, error.message);
  return new TaskError('Error', String(error));
}

/** Lambda returns JSON: round-trip the handler's result as the service would (undefined → null). */
function asJson(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

async function invokeLambda(
  handlers: Readonly<Record<string, LambdaHandler>>,
  functionName: string,
  payload: unknown,
): Promise<unknown> {
  const handler = findLambdaHandler(handlers, functionName);
  if (!handler) {
    throw new TaskError(
      'Lambda.ResourceNotFoundException',
      `Function not found: ${functionName} (no entry in lambdaHandlers)`,
    );
  }
  try {
    return asJson(await handler(payload));
  } catch (error) {
    throw asTaskError(error);
  }
}

type JsonHandler = (input: unknown) => Promise<unknown>;

function loadDefinition(definition: object | string): Record<string, unknown> {
  const source = typeof definition === 'string' ? readFileSync(definition, 'utf8') : JSON.stringify(definition);
  // A deep copy: validation in the library annotates the definition it is given.
  return JSON.parse(source) as Record<string, unknown>;
}

/** The effective options of one state machine in a run (nested ones inherit from the run that starts them). */
interface ResolvedOptions {
  readonly lambdaHandlers: Readonly<Record<string, LambdaHandler>>;
  readonly taskOverrides: Readonly<Record<string, TaskHandler>>;
  readonly sdkServices: Readonly<Record<string, SdkServiceIntegration>>;
  readonly stateMachines: Readonly<Record<string, NestedStateMachine>>;
  readonly wait: WaitShortening;
  readonly retry: RetryTiming;
}

function resolveOptions(options: RunStateMachineOptions): ResolvedOptions {
  return {
    lambdaHandlers: options.lambdaHandlers ?? {},
    taskOverrides: options.taskOverrides ?? {},
    sdkServices: { ...SDK_SERVICE_INTEGRATIONS, ...options.sdkServices },
    stateMachines: options.stateMachines ?? {},
    wait: options.wait ?? { ms: 0 },
    retry: options.retry ?? { ms: options.retryIntervalMs ?? 0 },
  };
}

function inheritOptions(parent: ResolvedOptions, own: NestedRunOptions = {}): ResolvedOptions {
  return {
    lambdaHandlers: { ...parent.lambdaHandlers, ...own.lambdaHandlers },
    taskOverrides: own.taskOverrides ?? {},
    sdkServices: { ...parent.sdkServices, ...own.sdkServices },
    stateMachines: { ...parent.stateMachines, ...own.stateMachines },
    wait: own.wait ?? parent.wait,
    retry: own.retry ?? (own.retryIntervalMs === undefined ? parent.retry : { ms: own.retryIntervalMs }),
  };
}

/** What one execution's task handlers report to: the children it starts. */
interface ExecutionScope {
  readonly children: StateMachineRunResult[];
}

type TaskFactory = (scope: ExecutionScope) => JsonHandler;

/** A definition made ready once per run, then executed any number of times (nested executions reuse it). */
interface PreparedMachine {
  readonly identity: StateMachineIdentity;
  readonly machine: StateMachine;
  readonly taskFactories: Readonly<Record<string, TaskFactory>>;
  readonly waitTimeOverrides: Readonly<Record<string, number>>;
  readonly retryIntervalOverrides: Readonly<Record<string, number>>;
}

/** Everything one top-level run shares with the executions it starts: SDK clients, prepared machines, names. */
class RunSession {
  private readonly clients = new Map<string, SdkClientLike>();
  private readonly prepared = new Map<string, PreparedMachine>();
  private readonly executions = new Map<string, LiveExecution>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(private readonly onExecution?: (execution: LiveExecution) => void) {}

  client(service: string, integration: SdkServiceIntegration): SdkClientLike {
    let client = this.clients.get(service);
    if (!client) {
      client = integration.createClient();
      this.clients.set(service, client);
    }
    return client;
  }

  preparedMachine(arn: string): PreparedMachine | undefined {
    return this.prepared.get(arn);
  }

  /**
   * Prepares a definition and, recursively, every state machine it may start, so that an
   * unsupported resource anywhere fails the run before it starts.
   */
  prepare(identity: StateMachineIdentity, definition: object | string, options: ResolvedOptions): PreparedMachine {
    const existing = this.prepared.get(identity.arn);
    if (existing) return existing;
    const machine = prepareMachine(identity, definition, options, this);
    this.prepared.set(identity.arn, machine);
    for (const [key, nested] of Object.entries(options.stateMachines)) {
      this.prepare(stateMachineIdentity(key), nested.definition, inheritOptions(options, nested.options));
    }
    return machine;
  }

  /**
   * StartExecution as Step Functions answers it: the state machine must exist, the input fit and
   * the name follow AWS's rules; a name already used is refused with ExecutionAlreadyExists, unless
   * its execution is still open and was started with the same input: then that execution is the
   * answer (`joined`), as a retried start joins the one it started.
   */
  start(
    stateMachineArn: string,
    input: unknown,
    name: string | undefined,
    context: Record<string, unknown> = {},
  ): { readonly execution: LiveExecution; readonly joined: boolean } {
    const prepared = this.prepared.get(stateMachineArn);
    if (!prepared) {
      throw new StartExecutionError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    }
    const inputJson = JSON.stringify(input ?? null);
    if (Buffer.byteLength(inputJson) > MAX_EXECUTION_INPUT_BYTES) {
      throw new StartExecutionError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: the input exceeds ${MAX_EXECUTION_INPUT_BYTES} bytes`,
      );
    }
    if (name !== undefined && !isValidExecutionName(name)) {
      throw new StartExecutionError('InvalidName', `Invalid Name: '${name}'`);
    }
    const executionName = name ?? newExecutionName();
    const executionArn = executionArnOf(prepared.identity, executionName);
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.outcome === undefined && existing.inputJson === inputJson)
        return { execution: existing, joined: true };
      throw new StartExecutionError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution = new RunningExecution(prepared, input, inputJson, executionName, context);
    this.executions.set(executionArn, execution);
    this.onExecution?.(execution);
    return { execution, joined: false };
  }

  track(execution: Promise<unknown>): void {
    this.background.add(execution);
    void execution.finally(() => this.background.delete(execution));
  }

  /** Stops every execution still open (as StopExecution would, with this error and cause). */
  stopAll(error: string, cause: string): void {
    for (const execution of this.executions.values()) execution.stop(error, cause);
  }

  /** Waits for executions started without `.sync` (which may start more), then closes the SDK clients. */
  async close(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}

/** A copy of the definition as the library should run it, and the overrides that shorten time. */
function adjustDefinition(
  asl: Record<string, unknown>,
  options: ResolvedOptions,
): {
  adjusted: Record<string, unknown>;
  waitTimeOverrides: Record<string, number>;
  retryIntervalOverrides: Record<string, number>;
} {
  const adjusted = JSON.parse(JSON.stringify(asl)) as Record<string, unknown>;
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  const { wait, retry } = options;
  for (const [name, state] of allStates(adjusted.States as Record<string, AslState> | undefined)) {
    if (state.Retry) {
      if ('ms' in retry) {
        retryIntervalOverrides[name] = retry.ms;
      } else {
        for (const retrier of state.Retry) {
          retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) * retry.factor;
          if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds *= retry.factor;
        }
      }
    }
    if (state.Type === 'Wait') waitTimeOverrides[name] = waitMs(state, wait);
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = AWS_DEFAULT_TASK_TIMEOUT_SECONDS;
    }
  }
  return { adjusted, waitTimeOverrides, retryIntervalOverrides };
}

/** How long a Wait state pauses locally. */
function waitMs(state: AslState, wait: WaitShortening): number {
  if ('ms' in wait) return wait.ms;
  if ('maxMs' in wait) return state.Seconds !== undefined ? Math.min(state.Seconds * 1000, wait.maxMs) : wait.maxMs;
  return state.Seconds !== undefined ? state.Seconds * 1000 * wait.factor : (wait.dynamicMs ?? 0);
}

/** Definitions (as JSON text) the library has already validated in this process. */
const VALIDATED_DEFINITIONS = new Set<string>();

function prepareMachine(
  identity: StateMachineIdentity,
  definition: object | string,
  options: ResolvedOptions,
  session: RunSession,
): PreparedMachine {
  const asl = loadDefinition(definition);
  // Validates the definition as written (the library's own asl-validator pass: about half a
  // second, as it compiles its schemas each time, so once per distinct definition per process)...
  const source = JSON.stringify(asl);
  if (!VALIDATED_DEFINITIONS.has(source)) {
    new StateMachine(JSON.parse(source) as StateMachineDefinition);
    VALIDATED_DEFINITIONS.add(source);
  }
  // ...then runs a copy with scaled retries and AWS's task timeouts, which the validator need not see.
  const { adjusted, waitTimeOverrides, retryIntervalOverrides } = adjustDefinition(asl, options);
  const machine = new StateMachine(adjusted as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });

  const taskFactories: Record<string, TaskFactory> = {};
  for (const [name, state] of allStates(asl.States as Record<string, AslState> | undefined)) {
    if (state.Type !== 'Task') continue;
    const factory = taskFactory(name, state.Resource ?? '', options, session);
    taskFactories[name] = factory;
  }
  return { identity, machine, taskFactories, waitTimeOverrides, retryIntervalOverrides };
}

function taskFactory(name: string, resource: string, options: ResolvedOptions, session: RunSession): TaskFactory {
  const override = options.taskOverrides[name];
  if (override) {
    const handler: JsonHandler = async (taskInput) => {
      try {
        return asJson(await override(taskInput));
      } catch (error) {
        throw asTaskError(error);
      }
    };
    return () => handler;
  }
  const { lambdaHandlers } = options;
  if (LAMBDA_INVOKE.test(resource)) {
    // The optimised integration: Parameters are { FunctionName, Payload }, the result wraps the payload.
    const handler: JsonHandler = async (taskInput) => {
      const { FunctionName, Payload } = (taskInput ?? {}) as { FunctionName?: unknown; Payload?: unknown };
      if (typeof FunctionName !== 'string') {
        throw new TaskError('States.Runtime', `${name}: lambda:invoke needs Parameters.FunctionName`);
      }
      const result = await invokeLambda(lambdaHandlers, FunctionName, Payload ?? {});
      return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
    };
    return () => handler;
  }
  if (LAMBDA_ARN.test(resource)) {
    const handler: JsonHandler = (taskInput) => invokeLambda(lambdaHandlers, resource, taskInput);
    return () => handler;
  }
  const startExecution = START_EXECUTION.exec(resource);
  if (startExecution) {
    const pattern = startExecution[1] === '.sync:2' ? 'sync2' : startExecution[1] === '.sync' ? 'sync' : 'start';
    return (scope) => (parameters) => startNestedExecution(parameters, pattern, options, session, scope);
  }
  const sdk = parseSdkResource(resource);
  const integration = sdk ? options.sdkServices[sdk.service] : undefined;
  if (sdk && integration) {
    const Command = resolveSdkCommand(integration, sdk.service, sdk.action);
    const handler: JsonHandler = async (parameters) => {
      const client = session.client(sdk.service, integration);
      try {
        return toTaskResult(await client.send(new Command(parameters ?? {})));
      } catch (error) {
        throw toStepFunctionsError(integration, error);
      }
    };
    return () => handler;
  }
  throw new Error(
    `Task state "${name}": resource ${resource} is not supported locally (give it in taskOverrides${
      sdk ? ` or add "${sdk.service}" to sdkServices` : ''
    })`,
  );
}

/** Step Functions' own API errors, as an optimised integration reports them. */
function stepFunctionsError(code: string, message: string): TaskError {
  return new TaskError(
    `StepFunctions.${code}Exception`,
    `${message} (Service: AWSStepFunctions; Status Code: 400; Error Code: ${code}; Request ID: ${randomUUID()}; Proxy: null)`,
  );
}

/** The largest execution input Step Functions accepts (bytes of UTF-8 JSON). */
const MAX_EXECUTION_INPUT_BYTES = 262_144;

function findNested(
  stateMachines: Readonly<Record<string, NestedStateMachine>>,
  arn: string,
): StateMachineIdentity | undefined {
  const wanted = stateMachineIdentity(arn);
  for (const key of Object.keys(stateMachines)) {
    const candidate = stateMachineIdentity(key);
    if (candidate.arn === wanted.arn || (key === candidate.name && candidate.name === wanted.name)) return candidate;
  }
  return undefined;
}

type IntegrationPattern = 'start' | 'sync' | 'sync2';

/**
 * `states:startExecution`: runs the named state machine in process. `.sync:2` returns what
 * DescribeExecution returns with Input and Output as JSON; `.sync` with them as strings; plain
 * `startExecution` returns `{ ExecutionArn, StartDate }` at once and lets the child run on. A child
 * that fails fails the task with `States.TaskFailed` and the DescribeExecution JSON as the Cause.
 */
async function startNestedExecution(
  parameters: unknown,
  pattern: IntegrationPattern,
  options: ResolvedOptions,
  session: RunSession,
  scope: ExecutionScope,
): Promise<unknown> {
  const { StateMachineArn, Input, Name } = (parameters ?? {}) as Record<string, unknown>;
  if (typeof StateMachineArn !== 'string') {
    throw stepFunctionsError('InvalidArn', 'Invalid Arn: StateMachineArn must be a string');
  }
  const identity = findNested(options.stateMachines, StateMachineArn) ?? stateMachineIdentity(StateMachineArn);
  let input: unknown = Input ?? {};
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input) as unknown;
    } catch {
      throw stepFunctionsError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not valid JSON');
    }
  }
  if (Name !== undefined && typeof Name !== 'string') {
    throw stepFunctionsError('InvalidName', 'Invalid Name: the execution name must be a string');
  }
  let started: { readonly execution: LiveExecution; readonly joined: boolean };
  try {
    started = session.start(identity.arn, input, Name);
  } catch (error) {
    if (error instanceof StartExecutionError) throw stepFunctionsError(error.code, error.message);
    throw error;
  }
  const { execution, joined } = started;
  // Registered before the parent awaits the child, so the child is listed by the time the parent goes on.
  if (!joined) void execution.result.then((result) => scope.children.push(result));
  if (pattern === 'start') {
    session.track(execution.result);
    return { ExecutionArn: execution.executionArn, StartDate: execution.startDate.getTime() };
  }
  const result = await execution.result;
  const described = describeExecution(result, pattern === 'sync2');
  if (result.status !== 'SUCCEEDED') throw new TaskError('States.TaskFailed', JSON.stringify(described));
  return described;
}

/** DescribeExecution's answer as Step Functions hands it to the parent (dates as epoch milliseconds). */
function describeExecution(result: StateMachineRunResult, parsed: boolean): Record<string, unknown> {
  const asData = (value: unknown) => (parsed ? value : JSON.stringify(value));
  return {
    ExecutionArn: result.executionArn,
    StateMachineArn: result.stateMachineArn,
    Name: result.name,
    Status: result.status,
    StartDate: result.startDate.getTime(),
    StopDate: result.stopDate.getTime(),
    Input: asData(result.input),
    InputDetails: { Included: true },
    ...(result.status === 'SUCCEEDED'
      ? { Output: asData(result.output), OutputDetails: { Included: true } }
      : { Error: result.error, Cause: result.cause }),
  };
}

/** One execution as the library runs it, observed live: events as they happen, its outcome once ended. */
class RunningExecution implements LiveExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly startDate = new Date();
  readonly events: StateMachineEvent[] = [];
  readonly result: Promise<StateMachineRunResult>;
  outcome: StateMachineRunResult | undefined;

  private stopped: { readonly error?: string; readonly cause?: string } | undefined;
  private readonly abort: () => void;

  constructor(
    prepared: PreparedMachine,
    readonly input: unknown,
    readonly inputJson: string,
    readonly name: string,
    context: Record<string, unknown>,
  ) {
    const { identity } = prepared;
    this.executionArn = executionArnOf(identity, name);
    this.stateMachineArn = identity.arn;
    const scope: ExecutionScope = { children: [] };
    const taskHandlers: Record<string, JsonHandler> = {};
    for (const [state, factory] of Object.entries(prepared.taskFactories)) taskHandlers[state] = factory(scope);
    const {
      Execution,
      StateMachine: stateMachineContext,
      ...otherContext
    } = context as {
      Execution?: Record<string, unknown>;
      StateMachine?: Record<string, unknown>;
    };
    const execution = prepared.machine.run(input as Parameters<StateMachine['run']>[0], {
      overrides: {
        taskResourceLocalHandlers: taskHandlers as NonNullable<
          NonNullable<Parameters<StateMachine['run']>[1]>['overrides']
        >['taskResourceLocalHandlers'],
        waitTimeOverrides: prepared.waitTimeOverrides,
        retryIntervalOverrides: prepared.retryIntervalOverrides,
      },
      context: {
        ...otherContext,
        Execution: {
          Id: this.executionArn,
          Name: name,
          RoleArn: `arn:aws:iam::${identity.accountId}:role/${identity.name}-role`,
          RedriveCount: 0,
          ...Execution,
        },
        StateMachine: { Id: identity.arn, Name: identity.name, ...stateMachineContext },
      },
    });
    this.abort = execution.abort;
    // Read as they happen, so that a history asked for while the execution runs has them; the
    // event log is closed by the library once the execution has ended (however it ended).
    const collected = (async () => {
      for await (const event of execution.eventLogs) this.events.push(event as unknown as StateMachineEvent);
    })();
    this.result = this.settle(execution.result, collected, scope).then((result) => {
      this.outcome = result;
      return result;
    });
  }

  stop(error?: string, cause?: string): void {
    if (this.outcome !== undefined || this.stopped !== undefined) return;
    this.stopped = { error, cause };
    this.abort();
  }

  private async settle(
    running: Promise<unknown>,
    collected: Promise<void>,
    scope: ExecutionScope,
  ): Promise<StateMachineRunResult> {
    let output: unknown;
    let failure: unknown;
    let failed = false;
    try {
      output = await running;
    } catch (error) {
      failed = true;
      failure = error;
    }
    const stopDate = new Date();
    await collected;
    const { events } = this;
    const history = events.flatMap((event) => (event.type === 'StateEntered' && event.state ? [event.state.name] : []));
    const base = {
      history,
      events: [...events],
      executionArn: this.executionArn,
      stateMachineArn: this.stateMachineArn,
      name: this.name,
      input: this.input,
      startDate: this.startDate,
      stopDate,
      childExecutions: scope.children,
    };

    if (this.stopped) {
      return { status: 'ABORTED', error: this.stopped.error, cause: this.stopped.cause, ...base };
    }
    if (!failed) return { status: 'SUCCEEDED', output, ...base };
    if (failure instanceof ExecutionTimeoutError) {
      // The definition's TimeoutSeconds elapsed.
      return { status: 'TIMED_OUT', error: 'States.Timeout', cause: failure.message, ...base };
    }
    const failedEvent = events.find((event) => event.type === 'ExecutionFailed');
    const underlying = failure instanceof Error && failure.cause instanceof Error ? failure.cause : failure;
    const error = failedEvent?.Error ?? (underlying instanceof Error ? underlying.name : 'States.Runtime');
    const cause = failedEvent?.Cause ?? (underlying instanceof Error ? underlying.message : String(underlying));
    return { status: 'FAILED', error, cause: typeof cause === 'string' ? cause : JSON.stringify(cause), ...base };
  }
}

/**
 * Runs a JSONPath ASL definition (an object or a path to a JSON file) locally, to completion.
 * Lambda tasks run `lambdaHandlers` in process, `aws-sdk:` tasks call the real SDK against the
 * endpoints in the environment, `states:startExecution` tasks run `stateMachines` in process, and
 * waits and retry pauses are shortened. Any other Task resource must be given in `taskOverrides`:
 * nothing is ever sent to a real AWS Lambda. Resolves once every execution it started (with or
 * without `.sync`) has ended.
 */
export async function runStateMachine(
  definition: object | string,
  input: unknown,
  options: RunStateMachineOptions = {},
): Promise<StateMachineRunResult> {
  const identity = stateMachineIdentity(options.stateMachineArn ?? DEFAULT_STATE_MACHINE_NAME);
  const session = new RunSession(options.onExecution);
  // The run's own definition first, so it can start itself (e.g. to continue in a fresh execution).
  session.prepare(identity, definition, resolveOptions(options));
  try {
    const { execution } = session.start(identity.arn, input, options.executionName ?? newExecutionName(), {
      ...options.context,
    });
    return await execution.result;
  } finally {
    await session.close();
  }
}

/** A state machine the {@link ExecutionHost} runs, with the options its executions run with. */
export interface HostedStateMachine {
  /** Its ARN, or a name (which gets the local region and account). */
  readonly arn: string;
  readonly definition: object | string;
  readonly options?: NestedRunOptions;
}

/**
 * Runs executions of registered state machines for as long as it lives, as the Step Functions
 * service does: StartExecution returns at once, every execution (those started by
 * `states:startExecution` tasks too) is reported to `onExecution` as it begins, and `close()`
 * stops whatever still runs.
 */
export class ExecutionHost {
  private readonly session: RunSession;

  constructor(stateMachines: readonly HostedStateMachine[], onExecution: (execution: LiveExecution) => void) {
    this.session = new RunSession(onExecution);
    for (const { arn, definition, options } of stateMachines) {
      this.session.prepare(stateMachineIdentity(arn), definition, resolveOptions(options ?? {}));
    }
  }

  /** StartExecution: see {@link RunSession.start}; throws {@link StartExecutionError}. */
  start(stateMachineArn: string, input: unknown, name?: string): { execution: LiveExecution; joined: boolean } {
    const { execution, joined } = this.session.start(stateMachineArn, input, name);
    this.session.track(execution.result);
    return { execution, joined };
  }

  /** Stops every open execution (ExecutionAborted with this error and cause) and waits until they have ended. */
  async close(error = 'States.Aborted', cause = 'The local Step Functions service stopped.'): Promise<void> {
    this.session.stopAll(error, cause);
    await this.session.close();
  }
}
