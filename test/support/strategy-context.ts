import { deadlineIn } from '../../functions/shared/deadline';
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretStore } from '../../functions/shared/secret-store';
import type { StrategyContext } from '../../functions/strategies/strategy';
import type { LocalStack } from '../../local/stack';

/** What the lifecycle state machine hands a strategy for verify / usage / revoke. */
export function strategyContext(stack: LocalStack, secretArn: string): StrategyContext {
  return {
    secretArn,
    token: 'lifecycle',
    tags: {},
    store: new SecretStore(stack.client),
    logger: new Logger({ logLevel: 'SILENT' }),
    deadline: deadlineIn(60_000),
  };
}
