import { readFileSync } from 'node:fs';
import { ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
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
  | { readonly factor: number; readonly dynamicMs?: number };

export interface RunStateMachineOptions {
  /** Lambda functions by name, full ARN or `name:qualifier`; Lambda Task states run them in process. */
  readonly lambdaHandlers?: Readonly<Record<string, LambdaHandler>>;
  /** Task states by name whose resource is replaced outright (wins over every other mapping). */
  readonly taskOverrides?: Readonly<Record<string, TaskHandler>>;
  /** Services for `aws-sdk:` integrations, merged over the built-in ones (Secrets Manager). */
  readonly sdkServices?: Readonly<Record<string, SdkServiceIntegration>>;
  /** How Wait states are shortened. @default { ms: 0 } */
  readonly wait?: WaitShortening;
  /** Pause before each retry, in ms, for every state with a Retry field. @default 0 */
  readonly retryIntervalMs?: number;
  /** The Context Object (e.g. `{ Execution: { Id } }`); Input and StartTime are filled in. */
  readonly context?: Record<string, unknown>;
}

export interface StateMachineEvent {
  readonly type: string;
  readonly state?: { readonly name: string; readonly type: string; readonly input: unknown; readonly output?: unknown };
  readonly Error?: string;
  readonly Cause?: unknown;
  readonly [other: string]: unknown;
}

export interface StateMachineRunResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Names of the states entered, in order (a retried state is entered once; retries are StateRetried events). */
  readonly history: string[];
  /** The library's execution event log (StateEntered, StateRetried, StateCaught, ...). */
  readonly events: StateMachineEvent[];
}

interface AslState {
  readonly Type?: string;
  readonly Resource?: string;
  readonly Seconds?: number;
  readonly Retry?: unknown[];
  readonly Branches?: { readonly States?: Record<string, AslState> }[];
  readonly Iterator?: { readonly States?: Record<string, AslState> };
  readonly ItemProcessor?: { readonly States?: Record<string, AslState> };
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

const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:([^:]+)(?::([^:]+))?$/;

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

/**
 * Runs a JSONPath ASL definition (an object or a path to a JSON file) locally, to completion.
 * Lambda tasks run `lambdaHandlers` in process, `aws-sdk:` tasks call the real SDK against the
 * endpoints in the environment, and waits and retry pauses are shortened. Any other Task resource
 * must be given in `taskOverrides`: nothing is ever sent to a real AWS Lambda.
 */
export async function runStateMachine(
  definition: object | string,
  input: unknown,
  options: RunStateMachineOptions = {},
): Promise<StateMachineRunResult> {
  const asl = loadDefinition(definition);
  const states = allStates(asl.States as Record<string, AslState> | undefined);
  const lambdaHandlers = options.lambdaHandlers ?? {};
  const services = { ...SDK_SERVICE_INTEGRATIONS, ...options.sdkServices };
  const clients = new Map<string, SdkClientLike>();

  const taskHandlers: Record<string, JsonHandler> = {};
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  const wait = options.wait ?? { ms: 0 };

  for (const [name, state] of states) {
    if (state.Retry) retryIntervalOverrides[name] = options.retryIntervalMs ?? 0;
    if (state.Type === 'Wait') {
      waitTimeOverrides[name] =
        'ms' in wait
          ? wait.ms
          : state.Seconds !== undefined
            ? state.Seconds * 1000 * wait.factor
            : (wait.dynamicMs ?? 0);
    }
    if (state.Type !== 'Task') continue;
    const resource = state.Resource ?? '';
    const override = options.taskOverrides?.[name];
    if (override) {
      taskHandlers[name] = async (taskInput) => {
        try {
          return asJson(await override(taskInput));
        } catch (error) {
          throw asTaskError(error);
        }
      };
      continue;
    }
    if (LAMBDA_INVOKE.test(resource)) {
      // The optimised integration: Parameters are { FunctionName, Payload }, the result wraps the payload.
      taskHandlers[name] = async (taskInput) => {
        const { FunctionName, Payload } = (taskInput ?? {}) as { FunctionName?: unknown; Payload?: unknown };
        if (typeof FunctionName !== 'string') {
          throw new TaskError('States.Runtime', `${name}: lambda:invoke needs Parameters.FunctionName`);
        }
        const result = await invokeLambda(lambdaHandlers, FunctionName, Payload ?? {});
        return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
      };
      continue;
    }
    if (LAMBDA_ARN.test(resource)) {
      taskHandlers[name] = (taskInput) => invokeLambda(lambdaHandlers, resource, taskInput);
      continue;
    }
    const sdk = parseSdkResource(resource);
    const integration = sdk ? services[sdk.service] : undefined;
    if (sdk && integration) {
      const Command = resolveSdkCommand(integration, sdk.service, sdk.action);
      taskHandlers[name] = async (parameters) => {
        let client = clients.get(sdk.service);
        if (!client) {
          client = integration.createClient();
          clients.set(sdk.service, client);
        }
        try {
          return toTaskResult(await client.send(new Command(parameters ?? {})));
        } catch (error) {
          throw toStepFunctionsError(integration, error);
        }
      };
      continue;
    }
    throw new Error(
      `Task state "${name}": resource ${resource} is not supported locally (give it in taskOverrides${
        sdk ? ` or add "${sdk.service}" to sdkServices` : ''
      })`,
    );
  }

  const machine = new StateMachine(asl as unknown as StateMachineDefinition);
  const execution = machine.run(input as Parameters<StateMachine['run']>[0], {
    overrides: {
      taskResourceLocalHandlers: taskHandlers as NonNullable<
        NonNullable<Parameters<StateMachine['run']>[1]>['overrides']
      >['taskResourceLocalHandlers'],
      waitTimeOverrides,
      retryIntervalOverrides,
    },
    context: options.context,
  });

  let output: unknown;
  let failure: unknown;
  let failed = false;
  try {
    output = await execution.result;
  } catch (error) {
    failed = true;
    failure = error;
  } finally {
    for (const client of clients.values()) client.destroy();
  }

  // The event log buffers everything and is closed once the execution has ended.
  const events: StateMachineEvent[] = [];
  for await (const event of execution.eventLogs) events.push(event as unknown as StateMachineEvent);
  const history = events.flatMap((event) => (event.type === 'StateEntered' && event.state ? [event.state.name] : []));

  if (!failed) return { status: 'SUCCEEDED', output, history, events };
  if (failure instanceof ExecutionTimeoutError) {
    // The definition's TimeoutSeconds elapsed (AWS reports TIMED_OUT; here it is a failure).
    return { status: 'FAILED', error: 'States.Timeout', cause: failure.message, history, events };
  }
  const failedEvent = events.find((event) => event.type === 'ExecutionFailed');
  const underlying = failure instanceof Error && failure.cause instanceof Error ? failure.cause : failure;
  const error = failedEvent?.Error ?? (underlying instanceof Error ? underlying.name : 'States.Runtime');
  const cause = failedEvent?.Cause ?? (underlying instanceof Error ? underlying.message : String(underlying));
  return {
    status: 'FAILED',
    error,
    cause: typeof cause === 'string' ? cause : JSON.stringify(cause),
    history,
    events,
  };
}
