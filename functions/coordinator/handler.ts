import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { createAuditTrail } from '../shared/audit';
import { eventBridgePutEvents } from '../shared/event-bus';
import { TaskEnvironment } from '../shared/lifecycle-contract';
import { MetricService } from '../shared/metric-names';
import { createObservability } from '../shared/observability';
import { SecretStore } from '../shared/secret-store';
import { snsAlertPublisher } from '../tasks/alerts';
import { sdkConsumerApis } from '../tasks/consumer-apis';
import type { CoordinatorDeps } from '../tasks/coordinator-deps';
import { isLifecycleTaskEvent, runCoordinatorTask } from '../tasks/dispatch';
import { InvalidTaskInputError } from '../tasks/errors';

// Built once per cold start; endpoints come from the environment (AWS_ENDPOINT_URL_* locally).
const { logger, metrics } = createObservability(MetricService.Lifecycle);
const deps: CoordinatorDeps = {
  store: new SecretStore(new SecretsManagerClient({})),
  logger,
  metrics,
  audit: createAuditTrail({
    putEvents: eventBridgePutEvents(),
    busName: process.env[TaskEnvironment.auditBusName],
    logger,
    metrics,
  }),
  alerts: snsAlertPublisher(new SNSClient({})),
  defaultAlertTopicArn: process.env[TaskEnvironment.defaultAlertTopicArn],
  consumerApis: sdkConsumerApis(),
};

/** The state machines' coordinator: `begin` opens a run, `report` records how one ended and alerts. */
export const handler = (event: unknown): Promise<unknown> => {
  if (!isLifecycleTaskEvent(event)) {
    return Promise.reject(new InvalidTaskInputError('the coordinator expects { "task": "begin" | "report", ... }'));
  }
  return runCoordinatorTask(event, deps);
};
