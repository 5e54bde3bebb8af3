import type { Logger } from '@aws-lambda-powertools/logger';
import { waitBudgetMs, type Deadline } from '../shared/deadline';
import { checkReplicas, describeLagging, failedReplicas, ReplicasNotInSyncError } from '../shared/replica-sync';
import type { SecretDescription, SecretStore } from '../shared/secret-store';
import { AWSPENDING } from '../shared/stages';

/** Polling while replicas catch up: short first (replication usually takes seconds), never past the deadline. */
export const REPLICA_WAIT = { firstDelayMs: 250, factor: 2, maxDelayMs: 2_000 } as const;

/**
 * finishSecret's precondition for a replicated secret: every replica holds the pending version (labelled
 * AWSPENDING there), so that once AWSCURRENT moves, no region can be left serving a version its consumers cannot
 * log in with for longer than the move itself takes to replicate. Waits within the invocation's deadline; a replica
 * that has failed, or is still behind when the wait is spent, is ReplicasNotInSyncError before anything moved
 * (Secrets Manager retries the rotation; the lifecycle's replica states alert).
 */
export async function awaitReplicasHoldingPending(
  store: SecretStore,
  description: SecretDescription,
  token: string,
  options: { readonly deadline: Deadline; readonly logger: Logger; readonly sleep?: (ms: number) => Promise<void> },
): Promise<void> {
  if (!description.replicas?.length) return;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let delay: number = REPLICA_WAIT.firstDelayMs;
  let current = description;
  for (;;) {
    const checks = await checkReplicas(store, current, { versionId: token, stage: AWSPENDING });
    if (checks.every((check) => check.holds)) {
      options.logger.info('every replica holds the pending version', { regions: checks.map((c) => c.region) });
      return;
    }
    const failed = failedReplicas(checks);
    if (failed.length > 0) {
      throw new ReplicasNotInSyncError(
        `replication of secret ${description.arn} failed in ${describeLagging(failed)}: AWSCURRENT was not moved ` +
          `to version ${token}; fix the replica (see the runbook), Secrets Manager retries the rotation`,
      );
    }
    if (delay > waitBudgetMs(options.deadline)) {
      throw new ReplicasNotInSyncError(
        `replicas of secret ${description.arn} do not hold pending version ${token} yet (${describeLagging(checks)}): ` +
          'AWSCURRENT was not moved; Secrets Manager retries the rotation',
      );
    }
    await sleep(delay);
    delay = Math.min(delay * REPLICA_WAIT.factor, REPLICA_WAIT.maxDelayMs);
    current = await store.describe(description.arn);
  }
}
