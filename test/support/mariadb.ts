import { Logger } from '@aws-lambda-powertools/logger';
import { parseRotationEvent } from '../../functions/rotate-secret/event';
import { runRotationStep } from '../../functions/rotate-secret/rotation';
import { SecretStore } from '../../functions/shared/secret-store';
import { createStrategyRegistry, type StrategyRegistry } from '../../functions/strategies/registry';
import type { RotationStrategy } from '../../functions/strategies/strategy';
import { STRATEGY_TAG } from '../../functions/strategies/tag-options';
import type { LocalStack } from '../../local/stack';
import { describeWithServers } from './servers';

/** `describe`, or a skip that says why when the MariaDB server binaries are not installed. */
export const describeIfMariadb = describeWithServers(['mariadb']);

export interface StrategyRotationFunction {
  /** The function's ARN, for RotateSecret. */
  readonly arn: string;
  /** Runs one step by hand, as Secrets Manager would invoke it. */
  readonly invoke: (event: unknown) => Promise<void>;
  /** The strategy tag the policy writes: secrets rotated by this function carry it. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Registers a rotation function that runs keyturn's real rotation steps with `strategy` in its
 * registry slot: a test can give the strategy its own login (to count or break connections).
 */
export function registerStrategyRotationFunction(
  stack: LocalStack,
  name: string,
  strategy: RotationStrategy,
): StrategyRotationFunction {
  const arn = `arn:aws:lambda:us-east-1:123456789012:function:keyturn-test-${name}`;
  const store = new SecretStore(stack.client);
  const strategies: StrategyRegistry = { ...createStrategyRegistry(), [strategy.name]: strategy };
  const logger = new Logger({ serviceName: 'keyturn-rotate-secret' });
  const invoke = async (event: unknown): Promise<void> => {
    await runRotationStep(parseRotationEvent(event), { store, strategies, logger });
  };
  stack.secretsManager.registerRotationFunction(arn, invoke);
  return { arn, invoke, tags: { [STRATEGY_TAG]: strategy.name } };
}
