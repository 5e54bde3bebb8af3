import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { eventBridgePutEvents } from '../shared/event-bus';
import { TaskEnvironment } from '../shared/lifecycle-contract';
import { MetricService } from '../shared/metric-names';
import { createObservability } from '../shared/observability';
import { snsAlertPublisher } from '../tasks/alerts';
import { createFleetAudit } from './audit';
import type { FleetPage, FleetProgress } from './contract';
import { parseSelectInput, parseSummarizeInput } from './input';
import { selectPage } from './select';
import { summarizePage } from './summarize';

// Built once per cold start; endpoints come from the environment (AWS_ENDPOINT_URL_* locally).
const { logger, metrics } = createObservability(MetricService.Lifecycle);
const secretsManager = new SecretsManagerClient({});
const audit = createFleetAudit({
  putEvents: eventBridgePutEvents(),
  busName: process.env[TaskEnvironment.auditBusName],
  logger,
  metrics,
});
const alerts = snsAlertPublisher(new SNSClient({}));
const defaultAlertTopicArn = process.env[TaskEnvironment.defaultAlertTopicArn];

/** Runs one fleet task with its name on every log line; errors are logged (value-free) and re-thrown for Catch. */
async function runTask<T>(task: string, run: () => Promise<T>): Promise<T> {
  logger.appendKeys({ task });
  try {
    return await run();
  } catch (error) {
    logger.error('fleet task failed', error as Error);
    throw error;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    logger.resetKeys();
  }
}

/** The fleet state machine's `SelectPage` task: one page of the selection. */
export const selectHandler = (event: unknown): Promise<FleetPage> =>
  runTask('select-fleet', () => selectPage(parseSelectInput(event), { secretsManager }));

/** The fleet state machine's `Summarize` task: records a page's outcomes and decides what comes next. */
export const summarizeHandler = (event: unknown): Promise<FleetProgress> =>
  runTask('summarize-fleet', () =>
    summarizePage(parseSummarizeInput(event), { audit, alerts, logger, defaultAlertTopicArn }),
  );
