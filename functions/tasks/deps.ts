import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { AuditSubject, AuditTrail } from '../shared/audit';
import type { AuthFailureReader } from '../shared/auth-failure-signal';
import { invocationDeadline, type Deadline } from '../shared/deadline';
import type { RotationRun } from '../shared/lifecycle-contract';
import { type SecretDescription, type SecretStore, type SecretVersion } from '../shared/secret-store';
import { AWSCURRENT } from '../shared/stages';
import { selectStrategy, type StrategyRegistry } from '../strategies/registry';
import type { RotationStrategy, StrategyContext } from '../strategies/strategy';
import type { Blackout } from './blackouts';

/** What every lifecycle task is given; tests pass their own. */
export interface TaskDeps {
  readonly store: SecretStore;
  readonly strategies: StrategyRegistry;
  readonly logger: Logger;
  /** Lifecycle metrics (service keyturn-lifecycle), published by the caller after the task. */
  readonly metrics: Metrics;
  readonly audit: AuditTrail;
  /** Change freezes from the policy. @default none */
  readonly blackouts?: readonly Blackout[];
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** When this invocation must have answered. @default the rotation function's timeout from now */
  readonly deadline?: Deadline;
  /** Reads an entry's auth-failure signal (the watch windows, the canary hold). @default none: every read is `observed: false` */
  readonly authFailures?: AuthFailureReader;
}

export function nowOf(deps: TaskDeps): Date {
  return deps.now?.() ?? new Date();
}

export function sleepOf(deps: TaskDeps): (ms: number) => Promise<void> {
  return deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
}

export function deadlineOf(deps: TaskDeps): Deadline {
  return deps.deadline ?? invocationDeadline();
}

/** A secret's description, its AWSCURRENT version and the strategy that rotates it. */
export interface ResolvedSecret {
  readonly description: SecretDescription;
  readonly current: SecretVersion;
  readonly strategy: RotationStrategy;
  readonly ctx: StrategyContext;
}

/** Reads the secret's AWSCURRENT value (explicitly by stage) and picks its strategy. */
export async function resolveSecret(
  deps: TaskDeps,
  secretArn: string,
  run: RotationRun,
  description?: SecretDescription,
): Promise<ResolvedSecret> {
  const described = description ?? (await deps.store.describe(secretArn));
  const current = await deps.store.requireVersion(described.arn, { stage: AWSCURRENT });
  const strategy = selectStrategy(deps.strategies, described.tags, current.value);
  deps.logger.appendKeys({ secretArn: described.arn, strategy: strategy.name });
  const ctx: StrategyContext = {
    secretArn: described.arn,
    token: run.id,
    tags: described.tags,
    store: deps.store,
    logger: deps.logger,
    deadline: deadlineOf(deps),
  };
  return { description: described, current, strategy, ctx };
}

/** The labels on `versionId`, or undefined when the secret has no labelled version by that id. */
export function stagesOf(description: SecretDescription, versionId: string): readonly string[] | undefined {
  return description.versionStages[versionId];
}

/** Who the audit events of this run are about. */
export function auditSubject(run: RotationRun, secretArn: string, strategy?: string): AuditSubject {
  return {
    rotationId: run.id,
    executionArn: run.executionArn,
    secretArn,
    trigger: run.trigger,
    emergency: run.emergency,
    ...(run.entryId !== undefined ? { entryId: run.entryId } : {}),
    ...(strategy !== undefined ? { strategy } : {}),
  };
}
