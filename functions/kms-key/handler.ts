import { KMSClient } from '@aws-sdk/client-kms';
import { SNSClient } from '@aws-sdk/client-sns';
import { createAuditWriter } from '../shared/audit';
import { invocationDeadline } from '../shared/deadline';
import { eventBridgePutEvents } from '../shared/event-bus';
import { TaskEnvironment } from '../shared/lifecycle-contract';
import { MetricService } from '../shared/metric-names';
import { createObservability } from '../shared/observability';
import { snsAlertPublisher } from '../tasks/alerts';
import { InvalidTaskInputError } from '../tasks/errors';
import { createKmsKeyApi } from './kms-client';
import { asKmsEvent, recordKmsEvent } from './kms-events';
import { KEY_TASKS, runKeyTask, type KeyTaskName } from './tasks';

// Built once per cold start; endpoints come from the environment (AWS_ENDPOINT_URL_* locally).
const { logger, metrics } = createObservability(MetricService.KmsKey);
const kms = createKmsKeyApi(new KMSClient({}));
const audit = createAuditWriter({
  putEvents: eventBridgePutEvents(),
  busName: process.env[TaskEnvironment.auditBusName],
  logger,
  metrics,
});
const alerts = snsAlertPublisher(new SNSClient({}));

const isTask = (task: unknown): task is KeyTaskName => (KEY_TASKS as readonly unknown[]).includes(task);

/**
 * The kms-key state machine's tasks (`{ "task": <name>, "state": <the execution's state> }`), and KMS's own
 * events from EventBridge (`aws.kms`: a key's material rotated, a key deleted), recorded as audit events.
 */
export async function handler(
  event: unknown,
  context?: { readonly getRemainingTimeInMillis?: () => number },
): Promise<unknown> {
  const kmsEvent = asKmsEvent(event);
  if (kmsEvent) {
    try {
      return { recorded: await recordKmsEvent(kmsEvent, { audit, metrics }) };
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  }
  const { task, state } = (event ?? {}) as { task?: unknown; state?: unknown };
  if (!isTask(task))
    throw new InvalidTaskInputError(`the kms-key function expects { "task": ${KEY_TASKS.join(' | ')} }`);
  try {
    return await runKeyTask(task, state, {
      kms,
      audit,
      alerts,
      defaultAlertTopicArn: process.env[TaskEnvironment.defaultAlertTopicArn],
      logger,
      now: () => new Date(),
      deadline: invocationDeadline(context),
    });
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
