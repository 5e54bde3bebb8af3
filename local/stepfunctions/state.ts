import type { LiveExecution } from './runner';

/**
 * What the local Step Functions API knows: its state machines, and every execution they ran
 * (those started by `states:startExecution` tasks too), in the order they started.
 */

export interface RegisteredStateMachine {
  readonly arn: string;
  readonly name: string;
  /** As DescribeStateMachine returns it: the definition's JSON text, placeholders filled. */
  readonly definition: string;
  readonly roleArn: string;
  readonly creationDate: Date;
  /** Task state Resource by state name, for history events. */
  readonly taskResources: Readonly<Record<string, string>>;
}

export type ExecutionStatusName = 'RUNNING' | NonNullable<LiveExecution['outcome']>['status'];

export function statusOf(execution: LiveExecution): ExecutionStatusName {
  return execution.outcome?.status ?? 'RUNNING';
}

export class StepFunctionsState {
  private readonly machines = new Map<string, RegisteredStateMachine>();
  private readonly executions = new Map<string, LiveExecution>();

  addStateMachine(machine: RegisteredStateMachine): void {
    this.machines.set(machine.arn, machine);
  }

  stateMachine(arn: string): RegisteredStateMachine | undefined {
    return this.machines.get(arn);
  }

  /** In name order, as a listing is expected to be stable. */
  stateMachines(): RegisteredStateMachine[] {
    return [...this.machines.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  recordExecution(execution: LiveExecution): void {
    this.executions.set(execution.executionArn, execution);
  }

  execution(arn: string): LiveExecution | undefined {
    return this.executions.get(arn);
  }

  /** A state machine's executions, newest first, optionally only those with this status (`statusFilter`). */
  executionsOf(stateMachineArn: string, status?: string): LiveExecution[] {
    return [...this.executions.values()]
      .filter((e) => e.stateMachineArn === stateMachineArn && (status === undefined || statusOf(e) === status))
      .reverse();
  }
}
