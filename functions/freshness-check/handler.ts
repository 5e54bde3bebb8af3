import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { policySecretsOfEvent } from '../inventory/policy-secrets';
import { MetricService } from '../shared/metric-names';
import { createObservability } from '../shared/observability';
import { createKmsKeyAgeReader } from './key-reader';
import { MONITORED_KEYS_ENV, parseMonitoredKeys } from './monitored-keys';
import { runFreshnessCheck, type FreshnessSummary } from './run-freshness-check';

// Built once per cold start; the gauges belong to the lifecycle family the overdue and inventory alarms watch.
const { logger, metrics } = createObservability(MetricService.Lifecycle);
const client = new SecretsManagerClient({});
const keys = {
  reader: createKmsKeyAgeReader(new KMSClient({})),
  // Parsed on each run, inside it: a bad value is reported there and never stops the secrets' check.
  load: () => parseMonitoredKeys(process.env[MONITORED_KEYS_ENV]),
};

/**
 * Runs hourly from an EventBridge schedule: which managed secrets and policy keys are older than allowed, and the
 * rest of the inventory's findings (stuck AWSPENDING, rotation off, unmanaged keyturn tags, drift from the policy).
 * The event is the schedule's input: the policy's secret entries, read inside the run like the keys.
 */
export const handler = async (event: unknown): Promise<FreshnessSummary> =>
  runFreshnessCheck({ client, logger, metrics, keys, policySecrets: () => policySecretsOfEvent(event) });
