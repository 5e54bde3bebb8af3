import { compact, epochSeconds } from '../http/aws-json-values';
import type { LiveExecution, StateMachineEvent } from './runner';

/**
 * GetExecutionHistory's events, made from the local runner's event log the way Step Functions
 * records them: `ExecutionStarted`, `<Type>StateEntered` / `<Type>StateExited` per state,
 * `TaskFailed` (or `LambdaFunctionFailed`) for each failed attempt of a Task, Map iterations, and
 * the execution's end (`ExecutionSucceeded`, `ExecutionFailed`, `ExecutionAborted`,
 * `ExecutionTimedOut`). Field names as on the wire (lowerCamelCase), timestamps in epoch seconds.
 * The runner does not report when a task was scheduled or started, so there are no TaskScheduled,
 * TaskStarted or TaskSucceeded events; retries show as repeated failures.
 */

export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

export interface HistoryContext {
  /** The Resource of each Task state, by state name. */
  readonly taskResources: Readonly<Record<string, string>>;
  /** The IAM role of the state machine (ExecutionStarted names it). */
  readonly roleArn: string;
  /** false: inputs and outputs are left out (`includeExecutionData: false`). */
  readonly includeExecutionData: boolean;
}

/** Step Functions passes inputs and outputs as JSON text. */
function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** A cause is text; the library may hand over an object (a caught error's details). */
function text(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `arn:aws:states:::aws-sdk:secretsmanager:rotateSecret` → resourceType `aws-sdk:secretsmanager`, resource `rotateSecret`. */
export function taskResourceParts(resource: string): { resourceType: string; resource: string } {
  const integration = /^arn:aws[a-z-]*:states:::(.+)$/.exec(resource)?.[1];
  if (integration === undefined) return { resourceType: 'lambda', resource };
  const parts = integration.split(':');
  const typeLength = parts[0] === 'aws-sdk' ? 2 : 1;
  return { resourceType: parts.slice(0, typeLength).join(':'), resource: parts.slice(typeLength).join(':') };
}

const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:/;

type Details = Record<string, unknown>;

/** The AWS event (type and details) for one library event, or undefined for those AWS has no event for. */
function awsEvent(
  event: StateMachineEvent,
  execution: LiveExecution,
  context: HistoryContext,
): { type: string; details?: Details } | undefined {
  const data = context.includeExecutionData;
  const withInput = (value: unknown): Details =>
    data ? { input: json(value), inputDetails: { truncated: false } } : {};
  const withOutput = (value: unknown): Details =>
    data ? { output: json(value), outputDetails: { truncated: false } } : {};
  const { state } = event;
  switch (event.type) {
    case 'ExecutionStarted':
      return {
        type: 'ExecutionStarted',
        details: { executionStartedEventDetails: { ...withInput(execution.input), roleArn: context.roleArn } },
      };
    case 'ExecutionSucceeded':
      return {
        type: 'ExecutionSucceeded',
        details: { executionSucceededEventDetails: withOutput(event.output) },
      };
    case 'ExecutionFailed':
      return {
        type: 'ExecutionFailed',
        details: { executionFailedEventDetails: { error: event.Error, cause: text(event.Cause) } },
      };
    case 'ExecutionAborted':
      return {
        type: 'ExecutionAborted',
        details: {
          executionAbortedEventDetails: { error: execution.outcome?.error, cause: execution.outcome?.cause },
        },
      };
    case 'ExecutionTimeout':
      return {
        type: 'ExecutionTimedOut',
        details: {
          executionTimedOutEventDetails: {
            error: 'States.Timeout',
            cause: 'The execution ran longer than the TimeoutSeconds of its definition.',
          },
        },
      };
    case 'StateEntered':
      if (!state) return undefined;
      return {
        type: `${state.type}StateEntered`,
        details: { stateEnteredEventDetails: { name: state.name, ...withInput(state.input) } },
      };
    case 'StateExited':
      if (!state) return undefined;
      return {
        type: `${state.type}StateExited`,
        details: { stateExitedEventDetails: { name: state.name, ...withOutput(state.output) } },
      };
    case 'StateFailed': {
      if (state?.type !== 'Task') return undefined;
      const resource = context.taskResources[state.name] ?? '';
      const failure = { error: event.Error, cause: text(event.Cause) };
      if (LAMBDA_FUNCTION_ARN.test(resource)) {
        return { type: 'LambdaFunctionFailed', details: { lambdaFunctionFailedEventDetails: failure } };
      }
      return {
        type: 'TaskFailed',
        details: { taskFailedEventDetails: { ...taskResourceParts(resource), ...failure } },
      };
    }
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed': {
      const parent = event.parentState as { name?: string } | undefined;
      return {
        type: event.type,
        // mapIterationStartedEventDetails, mapIterationSucceededEventDetails, mapIterationFailedEventDetails.
        details: { [`m${event.type.slice(1)}EventDetails`]: { name: parent?.name, index: event.index } },
      };
    }
    default:
      // StateRetried, StateCaught, ParallelBranch*: AWS records no event of their own.
      return undefined;
  }
}

/** The execution's history so far, oldest first. */
export function executionHistory(execution: LiveExecution, context: HistoryContext): HistoryEvent[] {
  const history: HistoryEvent[] = [];
  for (const event of execution.events) {
    const mapped = awsEvent(event, execution, context);
    if (!mapped) continue;
    const id = history.length + 1;
    const details = Object.fromEntries(
      Object.entries(mapped.details ?? {}).map(([key, value]) => [key, compact(value as Details)]),
    );
    history.push({
      id,
      previousEventId: id - 1,
      timestamp: epochSeconds(new Date(event.timestamp as number)),
      type: mapped.type,
      ...details,
    });
  }
  return history;
}
