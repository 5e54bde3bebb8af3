import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type DescribeExecutionOutput,
  type ExecutionListItem,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { LifecycleRequest, LifecycleTrigger } from '../../functions/shared/lifecycle-contract';
import { runResultOf, type RunOutcome } from './outcome';

/** One lifecycle or emergency execution for a secret. Value-free. */
export interface RunSummary {
  readonly executionArn: string;
  readonly stateMachine: 'lifecycle' | 'emergency';
  readonly startDate: Date;
  readonly stopDate?: Date;
  readonly status: string;
  readonly outcome: RunOutcome;
  readonly trigger?: LifecycleTrigger;
  readonly reason?: string;
  readonly dryRun: boolean;
  readonly error?: string;
  readonly cause?: string;
}

export interface StateMachineRef {
  readonly arn: string;
  readonly kind: RunSummary['stateMachine'];
}

export interface FindRunsOptions {
  /** Executions to look at per state machine, newest first (each costs one DescribeExecution). @default 200 */
  readonly scan?: number;
  /** Stop once this many runs of the secret are found. @default all within the scan */
  readonly limit?: number;
  /** Leave out dry runs. @default true */
  readonly skipDryRuns?: boolean;
}

/** DescribeExecution calls in flight at once while scanning. */
const DESCRIBE_CONCURRENCY = 8;

function requestOf(execution: DescribeExecutionOutput): Partial<LifecycleRequest> {
  try {
    const input: unknown = JSON.parse(execution.input ?? '{}');
    return typeof input === 'object' && input !== null ? input : {};
  } catch {
    return {};
  }
}

/** A run summary of a described execution. */
export function summarizeRun(execution: DescribeExecutionOutput, kind: RunSummary['stateMachine']): RunSummary {
  const request = requestOf(execution);
  const result = runResultOf(execution);
  return {
    executionArn: execution.executionArn ?? '',
    stateMachine: kind,
    startDate: execution.startDate ?? new Date(0),
    ...(execution.stopDate === undefined ? {} : { stopDate: execution.stopDate }),
    status: execution.status ?? 'UNKNOWN',
    outcome: result.outcome,
    ...(request.trigger === undefined ? {} : { trigger: request.trigger }),
    ...(request.reason === undefined ? {} : { reason: request.reason }),
    dryRun: request.dryRun === true,
    ...(result.error === undefined ? {} : { error: result.error }),
    ...(result.cause === undefined ? {} : { cause: result.cause }),
  };
}

async function* executionsOf(
  client: SFNClient,
  stateMachineArn: string,
  scan: number,
): AsyncGenerator<ExecutionListItem> {
  let nextToken: string | undefined;
  let seen = 0;
  do {
    const page = await client.send(
      new ListExecutionsCommand({ stateMachineArn, maxResults: Math.min(100, scan - seen), nextToken }),
    );
    for (const item of page.executions ?? []) {
      if (seen++ >= scan) return;
      yield item;
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined && seen < scan);
}

/**
 * The runs of one secret, newest first: ListExecutions lists newest first without inputs, so each
 * execution within the bounded scan is described to see whose it is.
 */
export async function findRuns(
  client: SFNClient,
  stateMachines: readonly StateMachineRef[],
  secretArn: string,
  options: FindRunsOptions = {},
): Promise<RunSummary[]> {
  const scan = options.scan ?? 200;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const skipDryRuns = options.skipDryRuns ?? true;
  const runs: RunSummary[] = [];
  for (const machine of stateMachines) {
    let batch: ExecutionListItem[] = [];
    let found = 0;
    const flush = async () => {
      const described = await Promise.all(
        batch.map((item) => client.send(new DescribeExecutionCommand({ executionArn: item.executionArn }))),
      );
      batch = [];
      for (const execution of described) {
        const request = requestOf(execution);
        if (request.secretArn !== secretArn || (skipDryRuns && request.dryRun === true)) continue;
        runs.push(summarizeRun(execution, machine.kind));
        found++;
      }
    };
    for await (const item of executionsOf(client, machine.arn, scan)) {
      batch.push(item);
      if (batch.length === DESCRIBE_CONCURRENCY) await flush();
      if (found >= limit) break;
    }
    if (found < limit) await flush();
  }
  return runs.sort((a, b) => b.startDate.getTime() - a.startDate.getTime()).slice(0, options.limit);
}
