import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import {
  COORDINATOR_TASKS,
  ROTATION_FUNCTION_TASKS,
  type CoordinatorTask,
  type RotationFunctionTask,
  type RotationRun,
} from '../shared/lifecycle-contract';
import { begin } from './begin';
import { canaryAbort } from './canary-abort';
import { canaryCheck } from './canary-check';
import { canaryStart } from './canary-start';
import type { CoordinatorDeps } from './coordinator-deps';
import { parseConsumersTaskInput } from './consumer-input';
import type { TaskDeps } from './deps';
import { drain } from './drain';
import { planDryRun } from './dry-run-plan';
import { InvalidTaskInputError } from './errors';
import { parsePlanInput, parseTaskInput, parseWith } from './input';
import { notify } from './notify';
import { preflight } from './preflight';
import { refreshConsumers } from './refresh-consumers';
import { replicaSync } from './replica-sync';
import { report } from './report';
import { revoke } from './revoke';
import { rollback } from './rollback';
import { verifyRotation } from './verify';
import { reinstate } from './reinstate';
import { watchAuthFailures } from './watch-auth-failures';

/** A state machine's call: `{ task: ..., ... }` (Secrets Manager's rotation events have `Step` instead). */
export function isLifecycleTaskEvent(event: unknown): event is { task: unknown } {
  return typeof event === 'object' && event !== null && 'task' in event;
}

/** A dry run ends after pre-flight: a task past it (they change or record things) refuses one outright. */
function notDryRun<T extends { readonly rotation: RotationRun }>(task: RotationFunctionTask, input: T): T {
  if (input.rotation.dryRun === true) {
    throw new InvalidTaskInputError(`the ${task} task never runs in a dry run (a dry run ends after pre-flight)`);
  }
  return input;
}

const ROTATION_FUNCTION_RUNNERS: Record<RotationFunctionTask, (input: unknown, deps: TaskDeps) => Promise<unknown>> = {
  preflight: (input, deps) => preflight(parseTaskInput.preflight(input), deps),
  verify: (input, deps) => verifyRotation(notDryRun('verify', parseTaskInput.verify(input)), deps),
  drain: (input, deps) => drain(notDryRun('drain', parseTaskInput.drain(input)), deps),
  revoke: (input, deps) => revoke(notDryRun('revoke', parseTaskInput.revoke(input)), deps),
  rollback: (input, deps) => rollback(notDryRun('rollback', parseTaskInput.rollback(input)), deps),
  'canary-start': (input, deps) => canaryStart(notDryRun('canary-start', parseTaskInput['canary-start'](input)), deps),
  'canary-check': (input, deps) => canaryCheck(notDryRun('canary-check', parseTaskInput['canary-check'](input)), deps),
  'canary-abort': (input, deps) => canaryAbort(notDryRun('canary-abort', parseTaskInput['canary-abort'](input)), deps),
  'replica-sync': (input, deps) => replicaSync(notDryRun('replica-sync', parseTaskInput.replicaSync(input)), deps),
  watch: (input, deps) => watchAuthFailures(notDryRun('watch', parseTaskInput.watch(input)), deps),
  reinstate: (input, deps) => reinstate(notDryRun('reinstate', parseTaskInput.reinstate(input)), deps),
};

const beginSchema = z.object({
  request: z.unknown(),
  executionArn: z.string().check(z.minLength(1)),
  startedAt: z.string().check(z.minLength(1)),
  emergency: z.boolean(),
});

const COORDINATOR_RUNNERS: Record<CoordinatorTask, (input: unknown, deps: CoordinatorDeps) => Promise<unknown>> = {
  begin: (input, deps) => begin(parseWith(beginSchema, input, 'begin'), deps),
  report: (input, deps) => report(input, deps),
  plan: (input) => Promise.resolve(planDryRun(parsePlanInput(input))),
  notify: (input, deps) => notify(parseConsumersTaskInput(input, 'notify'), deps),
  'refresh-consumers': (input, deps) => refreshConsumers(parseConsumersTaskInput(input, 'refresh-consumers'), deps),
};

function taskName<T extends string>(event: { task: unknown }, tasks: readonly T[], where: string): T {
  const task = tasks.find((t) => t === event.task);
  if (task === undefined) {
    throw new InvalidTaskInputError(`unknown task for the ${where}: expected ${tasks.join(', ')}`);
  }
  return task;
}

/**
 * Runs one task with its name and the rotation id on every log line, then publishes its metrics.
 * Errors are logged (name and message, value-free) and re-thrown unchanged: Step Functions
 * catches on their `name`.
 */
async function runLogged<D extends { logger: Logger; metrics: Metrics }>(
  task: string,
  event: { task: unknown },
  deps: D,
  run: (input: unknown, deps: D) => Promise<unknown>,
): Promise<unknown> {
  const rotationId = (event as { rotation?: { id?: unknown } }).rotation?.id;
  deps.logger.appendKeys({ task, ...(typeof rotationId === 'string' ? { rotationId } : {}) });
  try {
    return await run(event, deps);
  } catch (error) {
    deps.logger.error('task failed', error as Error);
    throw error;
  } finally {
    if (deps.metrics.hasStoredMetrics()) deps.metrics.publishStoredMetrics();
    deps.logger.resetKeys();
  }
}

/** The lifecycle tasks the secret's rotation function runs (they reach the secret's target). */
export function runRotationFunctionTask(event: { task: unknown }, deps: TaskDeps): Promise<unknown> {
  const task = taskName(event, ROTATION_FUNCTION_TASKS, 'rotation function');
  return runLogged(task, event, deps, ROTATION_FUNCTION_RUNNERS[task]);
}

/** The coordinator's tasks: opening a run, reporting how it ended, and a dry run's plan. */
export function runCoordinatorTask(event: { task: unknown }, deps: CoordinatorDeps): Promise<unknown> {
  const task = taskName(event, COORDINATOR_TASKS, 'coordinator');
  return runLogged(task, event, deps, COORDINATOR_RUNNERS[task]);
}
