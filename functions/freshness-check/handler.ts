import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricService } from '../shared/metric-names';
import { createObservability } from '../shared/observability';
import { runFreshnessCheck, type FreshnessSummary } from './freshness';
import { createKmsKeyAgeReader } from './key-reader';
import { MONITORED_KEYS_ENV, parseMonitoredKeys } from './monitored-keys';

// Built once per cold start; the gauges belong to the lifecycle family the overdue alarm watches.
const { logger, metrics } = createObservability(MetricService.Lifecycle);
const client = new SecretsManagerClient({});
const keys = {
  reader: createKmsKeyAgeReader(new KMSClient({})),
  // Parsed on each run, inside it: a bad value is reported there and never stops the secrets' check.
  load: () => parseMonitoredKeys(process.env[MONITORED_KEYS_ENV]),
};

/** Runs hourly from an EventBridge schedule: which managed secrets and policy keys are older than allowed. */
export const handler = async (): Promise<FreshnessSummary> => runFreshnessCheck({ client, logger, metrics, keys });
