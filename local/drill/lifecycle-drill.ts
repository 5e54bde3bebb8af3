import { performance } from 'node:perf_hooks';
import type { LambdaHandler, WaitShortening } from '../stepfunctions/runner';
import { runStateMachine } from '../stepfunctions/runner';
import { LOCAL_COORDINATOR_FUNCTION_ARN, loadStateMachine, type StateMachineName } from '../stepfunctions/definitions';
import { LOCAL_ROTATION_FUNCTION_ARN, type LocalStack } from '../stack';
import type { Check } from './report';

/** One state machine execution of the drill, value-free. */
export interface ExecutionReport {
  readonly title: string;
  readonly status: string;
  readonly error?: string;
  readonly states: readonly string[];
  readonly auditEvents: readonly string[];
  readonly alerts: number;
  readonly ms: number;
  readonly checks: readonly Check[];
}

/** The real coordinator and rotation function, in process, under the ARNs the definitions name. */
export async function lambdaHandlers(stack: LocalStack): Promise<Record<string, LambdaHandler>> {
  // Imported only now: the coordinator builds its clients from the environment the stack has set.
  const coordinator = await import('../../functions/coordinator/handler');
  return {
    [LOCAL_COORDINATOR_FUNCTION_ARN]: coordinator.handler,
    [LOCAL_ROTATION_FUNCTION_ARN]: stack.rotationHandler,
  };
}

/** How a drill run differs from the default: states wrapped to look inside them, waits that take real time. */
export interface ExecutionOptions {
  /** Task states replaced by name (a wrapper that observes, then calls the real handler). */
  readonly taskOverrides?: Record<string, LambdaHandler>;
  /** @default { ms: 1 }: every Wait state takes a millisecond */
  readonly wait?: WaitShortening;
}

/**
 * Runs one of keyturn's state machines on a secret, with waits shortened (a grace window of
 * hours takes milliseconds), and collects the states it went through, the audit events it put
 * on the audit bus and the alerts it published.
 */
export async function runExecution(
  stack: LocalStack,
  handlers: Record<string, LambdaHandler>,
  machine: StateMachineName,
  title: string,
  request: Record<string, unknown>,
  checks: () => Promise<Check[]>,
  options: ExecutionOptions = {},
): Promise<ExecutionReport> {
  const name = `drill-${machine}-${Date.now()}`;
  const executionArn = `arn:aws:states:us-east-1:123456789012:execution:keyturn-${machine}:${name}`;
  const t0 = performance.now();
  const result = await runStateMachine(loadStateMachine(machine), request, {
    lambdaHandlers: handlers,
    ...(options.taskOverrides ? { taskOverrides: options.taskOverrides } : {}),
    wait: options.wait ?? { ms: 1 },
    retryIntervalMs: 50,
    context: { Execution: { Id: executionArn, Name: name } },
  });
  const ms = performance.now() - t0;
  const auditEvents = stack.eventBridge
    .events()
    .filter((e) => e.detail.executionArn === executionArn)
    .map((e) => e.detailType);
  const alerts = stack.sns.messages().filter((m) => m.message.includes(executionArn)).length;
  return {
    title,
    status: result.status,
    ...(result.error !== undefined ? { error: `${result.error}: ${result.cause ?? ''}` } : {}),
    states: result.history,
    auditEvents,
    alerts,
    ms,
    checks: await checks(),
  };
}

export function renderExecutionReport(report: ExecutionReport): string {
  return [
    `${report.title.padEnd(52)} ${report.status.toLowerCase()} in ${report.ms.toFixed(0)} ms`,
    `  states  ${report.states.join(' > ')}`,
    `  audit   ${report.auditEvents.join(', ')}`,
    `  alerts  ${report.alerts}`,
    ...(report.error ? [`  error   ${report.error}`] : []),
    ...report.checks.map((c) => `  ${c.passed ? 'ok  ' : 'FAIL'}    ${c.text}`),
  ].join('\n');
}
