import { randomUUID } from 'node:crypto';
import type { LocalStack } from '../../local/stack';
import { runStateMachine, type LambdaHandler, type StateMachineRunResult } from '../../local/stepfunctions/runner';

/** One execution of a keyturn state machine in a test, and what it left on the local audit bus. */
export interface TestExecution extends StateMachineRunResult {
  readonly executionArn: string;
  /** The detail-types of the audit events it put, in order. */
  readonly audit: string[];
  readonly auditDetails: Record<string, unknown>[];
}

/**
 * Runs `definition` on the local stack with the real handlers (`handlers` by function ARN), waits
 * and retries shortened, under a fresh execution ARN that its audit events are then found by.
 */
export async function runTestExecution(
  stack: LocalStack,
  definition: object,
  input: Record<string, unknown>,
  handlers: Record<string, LambdaHandler>,
  taskOverrides?: Record<string, LambdaHandler>,
): Promise<TestExecution> {
  const name = randomUUID();
  const executionArn = `arn:aws:states:us-east-1:123456789012:execution:keyturn-test:${name}`;
  const result = await runStateMachine(definition, input, {
    lambdaHandlers: handlers,
    taskOverrides,
    wait: { ms: 5 },
    retryIntervalMs: 50,
    context: { Execution: { Id: executionArn, Name: name } },
  });
  const events = stack.eventBridge
    .events()
    .filter((e) => e.busName === stack.auditBusName && e.detail.executionArn === executionArn);
  return {
    ...result,
    executionArn,
    audit: events.map((e) => e.detailType),
    auditDetails: events.map((e) => e.detail),
  };
}
