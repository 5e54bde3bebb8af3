import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricService } from '../shared/metric-names';
import { createObservability } from '../shared/observability';
import { runFreshnessCheck, type FreshnessSummary } from './freshness';

// Built once per cold start; the gauges belong to the lifecycle family the overdue alarm watches.
const { logger, metrics } = createObservability(MetricService.Lifecycle);
const client = new SecretsManagerClient({});

/** Runs hourly from an EventBridge schedule: which managed secrets are older than their policy allows. */
export const handler = async (): Promise<FreshnessSummary> => runFreshnessCheck({ client, logger, metrics });
