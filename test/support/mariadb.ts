import { Logger } from '@aws-lambda-powertools/logger';
import { parseRotationEvent } from '../../functions/rotate-secret/event';
import { runRotationStep } from '../../functions/rotate-secret/rotation';
import { SecretStore } from '../../functions/shared/secret-store';
import { createStrategyRegistry, type StrategyRegistry } from '../../functions/strategies/registry';
import type { RotationStrategy } from '../../functions/strategies/strategy';
import { mariadbUnavailableReason } from '../../local/databases/mariadb-server';
import type { LocalStack } from '../../local/stack';

const unavailable = mariadbUnavailableReason();

/** `describe`, or a skip that says why when the MariaDB server binaries are not installed. */
export const describeIfMariadb: jest.Describe = unavailable
  ? (((name: string, fn: () => void) => {
      // eslint-disable-next-line no-console
      console.warn(`skipping "${name}": ${unavailable}`);
      describe.skip(name, fn);
    }) as jest.Describe)
  : describe;

/**
 * The tag that routes a secret to the strategy a {@link registerStrategyRotationFunction}
 * function stands in for. Until the registry lists the MySQL strategies (the lead wires them),
 * the real rotation steps (runRotationStep: labels, idempotency, version checks) reach a
 * strategy through the one registry slot that needs no `engine` match: `random`'s. Once
 * 'mysql-single-user' / 'mysql-alternating-users' are registered, tests can drop the tag and
 * use stack.rotationHandler with the secret's `engine` field instead.
 */
export const STRATEGY_UNDER_TEST_TAGS: Readonly<Record<string, string>> = { 'keyturn:strategy': 'random' };

export interface StrategyRotationFunction {
  /** The function's ARN, for RotateSecret. */
  readonly arn: string;
  /** Runs one step by hand, as Secrets Manager would invoke it. */
  readonly invoke: (event: unknown) => Promise<void>;
}

/**
 * Registers a rotation function that runs keyturn's real rotation steps with `strategy`.
 * Secrets it rotates must carry {@link STRATEGY_UNDER_TEST_TAGS}.
 */
export function registerStrategyRotationFunction(
  stack: LocalStack,
  name: string,
  strategy: RotationStrategy,
): StrategyRotationFunction {
  const arn = `arn:aws:lambda:us-east-1:123456789012:function:keyturn-test-${name}`;
  const store = new SecretStore(stack.client);
  const strategies: StrategyRegistry = { ...createStrategyRegistry(), random: strategy };
  const logger = new Logger({ serviceName: 'keyturn-rotate-secret' });
  const invoke = async (event: unknown): Promise<void> => {
    await runRotationStep(parseRotationEvent(event), { store, strategies, logger });
  };
  stack.secretsManager.registerRotationFunction(arn, invoke);
  return { arn, invoke };
}
