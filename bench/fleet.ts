import { fork } from 'node:child_process';
import { join } from 'node:path';

/**
 * The fleet path against Secrets Manager's shared write quota (50 requests/s for PutSecretValue,
 * UpdateSecret and UpdateSecretVersionStage together), and what one rotation costs on AWS.
 *
 * - fleet_quota_fraction: N random API-key secrets (1,000) rotate through the fleet state machine
 *   (the real fleet and lifecycle definitions, the real task and rotation functions) against the
 *   local Secrets Manager with its quotas on (50 writes/s), the rotation function's writes paced by
 *   its write pacer (functions/shared/write-pacer.ts) at the default pace, half of the quota. The
 *   fraction is the write rate achieved (writes the local Secrets Manager admitted, by its own
 *   request counts, over the measured time) over the pace: 1 = the pace is the only limit. Any
 *   failed rotation fails the bench. Locally, Wait states take no time and retry pauses keep their
 *   backoff and jitter at a tenth of their length: time is compressed, the quota and the pace are not.
 * - fleet_max_wait_s: the longest time any one rotation's writes waited for the pacer, added up
 *   (each secret rotates once).
 * - transitions_per_rotation: state transitions of one happy-path lifecycle execution, counted as
 *   Step Functions bills them: every state entered (Task, Pass, Choice, Wait, Succeed, ...) plus
 *   every retry attempt. The fleet's own per-secret transitions are fleet_transitions_per_rotation.
 * - usd_per_rotation: transitions × $0.000025 (Standard workflows, $0.025 per 1,000) plus Lambda for
 *   every invocation of that rotation (the rotation function's four steps and every lifecycle task):
 *   $0.20 per million requests and, arm64, $0.0000133334 per GB-second of the measured handler
 *   duration (rounded up to the ms) × the memory KeyturnFunction gives every function.
 *
 * Runs in child processes (bench/fleet-process.ts, and the Secrets Manager side in
 * bench/secretsmanager-process.ts): the task functions build their SDK clients once per process, as
 * in Lambda, so the fleet needs endpoints of its own, and the two sides get a core each.
 */

export interface FleetBenchResult {
  readonly fleet_quota_fraction: number;
  readonly fleet_max_wait_s: number;
  readonly fleet_seconds: number;
  readonly fleet_writes_per_rotation: number;
  readonly fleet_throttled_writes: number;
  readonly transitions_per_rotation: number;
  readonly fleet_transitions_per_rotation: number;
  readonly usd_per_rotation: number;
}

export function measureFleet(secrets = 1000): Promise<FleetBenchResult> {
  const child = fork(join(__dirname, 'fleet-process.ts'), [String(secrets)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: FleetBenchResult | undefined;
    child.on('message', (message: FleetBenchResult) => {
      result = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`the fleet bench failed (exit code ${String(code)})`));
    });
  });
}
