import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type DescribeExecutionOutput,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { FleetDryRunSummary, FleetSummary } from '../../functions/fleet/contract';
import type { LifecycleRequest } from '../../functions/shared/lifecycle-contract';
import { runResultOf, type RunOutcome } from '../executions/outcome';
import type { FleetCounts } from './progress';

export interface FleetWatchDeps {
  readonly sfn: SFNClient;
  /** The lifecycle state machine, whose executions the fleet starts. */
  readonly lifecycleStateMachineArn: string;
}

export interface FleetWatchOptions {
  /** Secrets selected, if known before the start. */
  readonly total?: number;
  readonly onProgress?: (counts: FleetCounts) => void;
  /** @default 2000 */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface FleetEnd {
  /** Every execution of the fleet run: the first, then those it continued in. */
  readonly executionArns: readonly string[];
  readonly status: string;
  /** The fleet's own totals (its output), when it succeeded. */
  readonly summary?: FleetSummary | FleetDryRunSummary;
  readonly error?: string;
  readonly cause?: string;
  /** Counted from the lifecycle executions. */
  readonly counts: FleetCounts;
}

/** A child lifecycle execution as last seen. */
interface Child {
  readonly member: boolean;
  readonly outcome?: RunOutcome;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function fleetArnOf(execution: DescribeExecutionOutput): string | undefined {
  try {
    return (JSON.parse(execution.input ?? '{}') as Partial<LifecycleRequest>).fleetExecutionArn;
  } catch {
    return undefined;
  }
}

/**
 * Counts a fleet run's lifecycle executions: each carries `fleetExecutionArn` in its input. ListExecutions
 * (newest first) is read back to the fleet's start; each new execution is described once to see whose
 * it is, and once more when it ends to see how.
 */
export class FleetChildren {
  private readonly children = new Map<string, Child>();

  constructor(
    private readonly deps: FleetWatchDeps,
    private readonly since: Date,
  ) {}

  async count(fleetArns: ReadonlySet<string>, total?: number): Promise<FleetCounts> {
    let nextToken: string | undefined;
    outer: do {
      const page = await this.deps.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: this.deps.lifecycleStateMachineArn, maxResults: 100, nextToken }),
      );
      const toDescribe: string[] = [];
      let reachedStart = false;
      for (const item of page.executions ?? []) {
        if (item.executionArn === undefined) continue;
        if (item.startDate !== undefined && item.startDate < this.since) {
          reachedStart = true;
          break;
        }
        const known = this.children.get(item.executionArn);
        const ended = item.status !== 'RUNNING';
        if (known === undefined || (known.member && ended && known.outcome === 'running'))
          toDescribe.push(item.executionArn);
      }
      const described = await Promise.all(
        toDescribe.map((executionArn) => this.deps.sfn.send(new DescribeExecutionCommand({ executionArn }))),
      );
      for (const execution of described) {
        const fleetArn = fleetArnOf(execution);
        const member = fleetArn !== undefined && fleetArns.has(fleetArn);
        this.children.set(execution.executionArn ?? '', {
          member,
          ...(member ? { outcome: runResultOf(execution).outcome } : {}),
        });
      }
      if (reachedStart) break outer;
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    const counts = { rotated: 0, leftInUse: 0, skipped: 0, failed: 0, running: 0, wouldRotate: 0 };
    for (const child of this.children.values()) {
      if (!child.member) continue;
      if (child.outcome === 'rotated') counts.rotated++;
      else if (child.outcome === 'left-in-use') counts.leftInUse++;
      else if (child.outcome === 'skipped') counts.skipped++;
      else if (child.outcome === 'running') counts.running++;
      else if (child.outcome === 'planned') counts.wouldRotate++;
      else counts.failed++;
    }
    return { ...counts, ...(total === undefined ? {} : { total }) };
  }
}

interface ContinuedOutput {
  readonly executionArn?: string;
}

/** Follows a fleet run (across the executions it continues in) until it ends, reporting counts as they change. */
export async function watchFleet(
  deps: FleetWatchDeps,
  firstExecution: { executionArn: string; startDate: Date },
  options: FleetWatchOptions = {},
): Promise<FleetEnd> {
  const sleep = options.sleep ?? defaultSleep;
  const arns = [firstExecution.executionArn];
  const children = new FleetChildren(deps, firstExecution.startDate);
  let current = firstExecution.executionArn;
  let last = '';
  for (;;) {
    const execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn: current }));
    const counts = await children.count(new Set(arns), options.total);
    // Reported when a lifecycle ends (not when one merely starts): what the progress displays show.
    const { running: _running, ...ended } = counts;
    const key = JSON.stringify(ended);
    if (key !== last) options.onProgress?.(counts);
    last = key;
    if (execution.status === 'SUCCEEDED') {
      const output = JSON.parse(execution.output ?? '{}') as ContinuedOutput & { fleetId?: string };
      if (output.fleetId === undefined && output.executionArn !== undefined) {
        // ContinuedInNewExecution: the run goes on in the execution it started.
        arns.push(output.executionArn);
        current = output.executionArn;
        continue;
      }
      return { executionArns: arns, status: 'SUCCEEDED', summary: output as FleetSummary | FleetDryRunSummary, counts };
    }
    if (execution.status !== 'RUNNING')
      return {
        executionArns: arns,
        status: execution.status ?? 'UNKNOWN',
        ...(execution.error === undefined ? {} : { error: execution.error }),
        ...(execution.cause === undefined ? {} : { cause: execution.cause }),
        counts,
      };
    await sleep(options.pollMs ?? 2000);
  }
}
