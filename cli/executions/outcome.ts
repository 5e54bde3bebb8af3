import type { DescribeExecutionOutput } from '@aws-sdk/client-sfn';
import type { DryRunPlan } from '../../functions/shared/lifecycle-contract';
import { ExitCode, type ExitCodeValue } from '../output/exit-codes';

/**
 * How a lifecycle or emergency execution ended, read the way the fleet state machine reads it
 * (statemachines/fleet.asl.json HowItEnded): `revoke` in the output means rotated and revoked; a kept
 * pre-flight `failure` means a policy rule skipped it; any other success left the old credential in use.
 */
export const RUN_OUTCOMES = ['running', 'rotated', 'left-in-use', 'skipped', 'planned', 'failed', 'stopped'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export interface RunResult {
  readonly outcome: RunOutcome;
  /** `failed`/`stopped`: the execution's error; `skipped`: the policy rule's error name. */
  readonly error?: string;
  readonly cause?: string;
  /** `planned`: what a dry run found. */
  readonly plan?: DryRunPlan;
}

interface LifecycleOutput {
  readonly revoke?: unknown;
  readonly failure?: { readonly Error?: string; readonly Cause?: string };
  readonly plan?: DryRunPlan;
}

function parseOutput(output: string | undefined): LifecycleOutput {
  if (output === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(output);
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

/** The outcome of a lifecycle/emergency execution from DescribeExecution. */
export function runResultOf(
  execution: Pick<DescribeExecutionOutput, 'status' | 'output' | 'error' | 'cause'>,
): RunResult {
  switch (execution.status) {
    case 'RUNNING':
    case 'PENDING_REDRIVE':
      return { outcome: 'running' };
    case 'SUCCEEDED': {
      const output = parseOutput(execution.output);
      if (output.plan !== undefined) return { outcome: 'planned', plan: output.plan };
      if (output.revoke !== undefined) return { outcome: 'rotated' };
      if (output.failure?.Error !== undefined)
        return { outcome: 'skipped', error: output.failure.Error, cause: output.failure.Cause };
      return { outcome: 'left-in-use' };
    }
    case 'ABORTED':
      return { outcome: 'stopped', error: execution.error, cause: execution.cause };
    case 'TIMED_OUT':
      return { outcome: 'failed', error: execution.error ?? 'States.Timeout', cause: execution.cause };
    default:
      return { outcome: 'failed', error: execution.error, cause: execution.cause };
  }
}

/**
 * The exit code of a finished run: 0 rotated (or planned); 3 completed with findings (the old credential
 * left in use, or skipped by a policy rule: nothing rotated); 1 failed or stopped.
 */
export function exitCodeOfRun(outcome: RunOutcome): ExitCodeValue {
  switch (outcome) {
    case 'rotated':
    case 'planned':
    case 'running':
      return ExitCode.Success;
    case 'left-in-use':
    case 'skipped':
      return ExitCode.Findings;
    case 'failed':
    case 'stopped':
      return ExitCode.Failed;
  }
}
