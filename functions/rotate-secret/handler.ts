import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createObservability } from '../shared/observability';
import { SecretStore } from '../shared/secret-store';
import { createStrategyRegistry } from '../strategies/registry';
import { runObservedRotationStep } from './observed-step';

// Built once per cold start. The endpoint comes from the environment
// (AWS_ENDPOINT_URL_SECRETS_MANAGER locally), so there is no local-mode branch.
const { logger, metrics } = createObservability('keyturn-rotate-secret');
const store = new SecretStore(new SecretsManagerClient({}));
const strategies = createStrategyRegistry();

/** The function Secrets Manager's native rotation invokes, once per step. */
export const handler = async (event: unknown): Promise<void> => {
  await runObservedRotationStep(event, { store, strategies, logger, metrics });
};
