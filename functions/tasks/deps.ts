import type { Logger } from '@aws-lambda-powertools/logger';
import { type SecretDescription, type SecretStore, type SecretVersion } from '../shared/secret-store';
import { AWSCURRENT } from '../shared/stages';
import { selectStrategy, type StrategyRegistry } from '../strategies/registry';
import type { RotationStrategy, StrategyContext } from '../strategies/strategy';

/** What every lifecycle task is given; tests pass their own. */
export interface TaskDeps {
  readonly store: SecretStore;
  readonly strategies: StrategyRegistry;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The lifecycle has no rotation token of its own: strategies get this in `StrategyContext.token`. */
export const LIFECYCLE_TOKEN = 'lifecycle';

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
  description?: SecretDescription,
): Promise<ResolvedSecret> {
  const described = description ?? (await deps.store.describe(secretArn));
  const current = await deps.store.requireVersion(described.arn, { stage: AWSCURRENT });
  const strategy = selectStrategy(deps.strategies, described.tags, current.value);
  deps.logger.appendKeys({ secretArn: described.arn, strategy: strategy.name });
  const ctx: StrategyContext = {
    secretArn: described.arn,
    token: LIFECYCLE_TOKEN,
    tags: described.tags,
    store: deps.store,
    logger: deps.logger,
  };
  return { description: described, current, strategy, ctx };
}

/** The labels on `versionId`, or undefined when the secret has no labelled version by that id. */
export function stagesOf(description: SecretDescription, versionId: string): readonly string[] | undefined {
  return description.versionStages[versionId];
}
