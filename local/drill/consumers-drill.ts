import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { consumerTagKey, ConsumerTag, lambdaVersionVariable } from '../../functions/shared/consumer-refresh';
import { AuditEventType, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import { OptionTag } from '../../functions/strategies/tag-options';
import { rotateNow } from '../rotate-now';
import { LOCAL_AUDIT_LOG_GROUP_NAME, type LocalStack } from '../stack';
import type { LambdaHandler } from '../stepfunctions/runner';
import { runExecution, type ExecutionReport } from './lifecycle-drill';
import { versions } from './secret-rotation';

const SECRET = 'orders/internal-api-key';

/**
 * Consumers told and refreshed: an API key whose policy names an ECS service (orders-api, in cluster orders), a
 * Lambda function (orders-worker, with variables of its own) and an event-only consumer. The lifecycle, after
 * Verify, puts SecretRotated on the audit bus, starts a new deployment of the service through the local ECS API and
 * sets one variable on the function through the local Lambda API; the audit trail shows each refresh.
 */
export async function drillConsumers(
  stack: LocalStack,
  handlers: Record<string, LambdaHandler>,
): Promise<ExecutionReport> {
  const { ecs, lambda } = stack;
  if (!ecs || !lambda) throw new Error('the local stack did not start the ECS and Lambda APIs (consumers: true)');
  ecs.createCluster('orders');
  ecs.createService('orders', 'orders-api', 'orders-api:7');
  lambda.createFunction('orders-worker', { TABLE: 'orders', LOG_LEVEL: 'info' });
  const tags: Record<string, string> = {
    [ManagementTag.managed]: 'true',
    [ManagementTag.entry]: 'orders-internal-api-key',
    [OptionTag.strategy]: 'random',
    [LifecycleTag.graceSeconds]: '60',
    [LifecycleTag.drainMaxWaitSeconds]: '0',
    [ConsumerTag.cacheSeconds]: '300',
    [consumerTagKey(1)]: 'ecs:orders/orders-api orders-api',
    [consumerTagKey(2)]: 'lambda:orders-worker orders-worker',
    [consumerTagKey(3)]: 'event reporting',
  };
  const created = await stack.client.send(
    new CreateSecretCommand({
      Name: SECRET,
      SecretString: 'oak_initial_value_set_by_hand',
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const arn = created.ARN as string;
  await rotateNow(stack, arn); // rotation on, as the policy's deployment leaves it
  const deploymentsBefore = ecs.service('orders', 'orders-api')?.deployments.length ?? 0;

  const report = await runExecution(
    stack,
    handlers,
    'lifecycle',
    `${SECRET} (consumers: ECS service, Lambda function, event)`,
    { secretArn: arn, trigger: 'on-demand', entryId: 'orders-internal-api-key' },
    async () => {
      const current = (await versions(stack.client, arn)).find((v) => v.stages.includes('AWSCURRENT'))?.versionId;
      const service = ecs.service('orders', 'orders-api');
      const primary = service?.deployments[0];
      const fn = lambda.function('orders-worker');
      const audit = stack.eventBridge.events().filter((e) => e.detail.secretArn === arn);
      const rotated = audit.find((e) => e.detailType === AuditEventType.SecretRotated);
      // The audit trail proper: the audit bus's rule delivered them into the audit log group.
      const logged = stack.cloudWatchLogs
        .events(LOCAL_AUDIT_LOG_GROUP_NAME)
        .filter((e) => e.message.includes(arn) && e.message.includes(AuditEventType.ConsumerRefreshed)).length;
      return [
        {
          passed: rotated?.detail.versionId === current && Array.isArray(rotated?.detail.consumers),
          text: `SecretRotated on the audit bus after Verify: version ${current ?? '?'}, 3 consumers named, no value`,
        },
        {
          passed:
            (service?.deployments.length ?? 0) === deploymentsBefore + 1 &&
            primary?.status === 'PRIMARY' &&
            primary.reason === 'forceNewDeployment',
          text: `ECS service orders/orders-api: new PRIMARY deployment ${primary?.id ?? '?'} (UpdateService forceNewDeployment, local ECS API)`,
        },
        {
          passed:
            fn.variables[lambdaVersionVariable(arn)] === current &&
            fn.variables.TABLE === 'orders' &&
            fn.variables.LOG_LEVEL === 'info',
          text: `Lambda function orders-worker: ${lambdaVersionVariable(arn)} set, its own variables kept (RevisionId-checked update)`,
        },
        {
          passed: audit.filter((e) => e.detailType === AuditEventType.ConsumerRefreshed).length === 2 && logged === 2,
          text: `audit trail (${LOCAL_AUDIT_LOG_GROUP_NAME}): ConsumerRefreshed for orders-api and orders-worker`,
        },
      ];
    },
  );
  return report;
}
