import type { SFNClient } from '@aws-sdk/client-sfn';
import { followExecution } from '../executions/follow';
import { runResultOf } from '../executions/outcome';
import { startRun } from '../executions/start';

/** One secret's pre-flight, as a fleet dry run reports it. */
export interface PreflightVerdict {
  readonly secretArn: string;
  /** `planned`: a rotation would start; `refused`: pre-flight (or a policy rule) would stop it. */
  readonly verdict: 'planned' | 'refused';
  readonly executionArn: string;
  readonly strategy?: string;
  readonly error?: string;
}

export interface PreflightAllOptions {
  readonly concurrency: number;
  readonly pollMs: number;
  readonly onVerdict?: (verdict: PreflightVerdict) => void;
}

/** Runs the lifecycle's dry run (begin and pre-flight only, nothing changed) for every secret, a few at once. */
export async function preflightAll(
  client: SFNClient,
  lifecycleStateMachineArn: string,
  secretArns: readonly string[],
  options: PreflightAllOptions,
): Promise<PreflightVerdict[]> {
  const verdicts: PreflightVerdict[] = new Array<PreflightVerdict>(secretArns.length);
  let next = 0;
  const worker = async () => {
    while (next < secretArns.length) {
      const index = next++;
      const secretArn = secretArns[index] ?? '';
      const run = await startRun(client, lifecycleStateMachineArn, { secretArn, trigger: 'fleet', dryRun: true });
      const end = await followExecution(client, run.executionArn, { pollMs: options.pollMs });
      const result = runResultOf(end.execution);
      const verdict: PreflightVerdict =
        result.outcome === 'planned'
          ? {
              secretArn,
              verdict: 'planned',
              executionArn: run.executionArn,
              ...(result.plan ? { strategy: result.plan.strategy } : {}),
            }
          : { secretArn, verdict: 'refused', executionArn: run.executionArn, error: result.error ?? result.outcome };
      verdicts[index] = verdict;
      options.onVerdict?.(verdict);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, secretArns.length)) }, worker));
  return verdicts;
}
