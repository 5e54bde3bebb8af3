import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricService } from '../shared/metric-names';
import { createObservability } from '../shared/observability';
import { SecretStore } from '../shared/secret-store';
import { createStrategyRegistry } from '../strategies/registry';
import type { TaskDeps } from './deps';
import { drain, type DrainOutput } from './drain';
import { parseTaskInput } from './input';
import { preflight, type PreflightSummary } from './preflight';
import { revoke, type RevokeOutput } from './revoke';
import { rollback, type RollbackOutput } from './rollback';
import { verifyRotation, type VerifyOutput } from './verify';

// Built once per cold start. The endpoint comes from the environment
// (AWS_ENDPOINT_URL_SECRETS_MANAGER locally), so there is no local-mode branch.
const { logger } = createObservability(MetricService.Lifecycle);
const deps: TaskDeps = {
  store: new SecretStore(new SecretsManagerClient({})),
  strategies: createStrategyRegistry(),
  logger,
};

/**
 * Runs one task with the task name on every log line. Errors are logged (name and message,
 * which are value-free) and re-thrown unchanged: Step Functions catches on their `name`.
 */
async function runTask<I, O>(
  task: string,
  parse: (input: unknown) => I,
  run: (input: I, d: TaskDeps) => Promise<O>,
  input: unknown,
): Promise<O> {
  logger.appendKeys({ task });
  try {
    return await run(parse(input), deps);
  } catch (error) {
    logger.error('task failed', error as Error);
    throw error;
  } finally {
    logger.resetKeys();
  }
}

/** One Lambda function per task (least privilege per role); each names its export as its handler. */
export const preflightHandler = (event: unknown): Promise<PreflightSummary> =>
  runTask('preflight', parseTaskInput.preflight, preflight, event);
export const verifyHandler = (event: unknown): Promise<VerifyOutput> =>
  runTask('verify', parseTaskInput.verify, verifyRotation, event);
export const drainHandler = (event: unknown): Promise<DrainOutput> =>
  runTask('drain', parseTaskInput.drain, drain, event);
export const revokeHandler = (event: unknown): Promise<RevokeOutput> =>
  runTask('revoke', parseTaskInput.revoke, revoke, event);
export const rollbackHandler = (event: unknown): Promise<RollbackOutput> =>
  runTask('rollback', parseTaskInput.rollback, rollback, event);
