import { randomUUID } from 'node:crypto';
import { consumerTagKey, ConsumerTag, lambdaVersionVariable } from '../../functions/shared/consumer-refresh';
import { AuditEventType, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import { OptionTag } from '../../functions/strategies/tag-options';
import type { LocalEcs } from '../../local/ecs';
import type { LocalLambda } from '../../local/lambda';
import { LOCAL_ROTATION_FUNCTION_ARN, startLocalStack, type LocalStack } from '../../local/stack';
import { LOCAL_COORDINATOR_FUNCTION_ARN, loadStateMachine } from '../../local/stepfunctions/definitions';
import type { LambdaHandler } from '../../local/stepfunctions/runner';
import { createSecret, rotateAndWait, stagesOf, valueAt } from '../support/secrets';
import { runTestExecution, type TestExecution } from '../support/state-machine-run';

/**
 * Consumers told and refreshed: the lifecycle's NotifyConsumers states with the real coordinator, the real SDK
 * and keyturn's local ECS and Lambda APIs.
 */
let stack: LocalStack;
let ecs: LocalEcs;
let lambda: LocalLambda;
let handlers: Record<string, LambdaHandler>;
const lifecycle = loadStateMachine('lifecycle');

beforeAll(async () => {
  stack = await startLocalStack({ consumers: true });
  ecs = stack.ecs as LocalEcs;
  lambda = stack.lambda as LocalLambda;
  ecs.createCluster('orders');
  const coordinator = await import('../../functions/coordinator/handler');
  handlers = {
    [LOCAL_COORDINATOR_FUNCTION_ARN]: coordinator.handler,
    [LOCAL_ROTATION_FUNCTION_ARN]: stack.rotationHandler,
  };
});
afterAll(() => stack.stop());

/** A managed API key (rotated once, so rotation is on) whose tags name these consumers. */
async function givenSecret(consumers: string[]): Promise<{ arn: string }> {
  const tags: Record<string, string> = {
    [ManagementTag.managed]: 'true',
    [OptionTag.strategy]: 'random',
    [LifecycleTag.graceSeconds]: '60',
    [LifecycleTag.drainMaxWaitSeconds]: '0',
    [ConsumerTag.cacheSeconds]: '300',
  };
  consumers.forEach((value, i) => (tags[consumerTagKey(i + 1)] = value));
  const secret = await createSecret(stack.client, `svc/consumers/${randomUUID()}`, 'initial-value', tags);
  expect(await rotateAndWait(stack, secret.arn)).toMatchObject({ succeeded: true });
  return secret;
}

const rotate = (secretArn: string): Promise<TestExecution> =>
  runTestExecution(stack, lifecycle, { secretArn, trigger: 'on-demand' }, handlers);

function alertsFor(executionArn: string) {
  return stack.sns.messages().filter((m) => m.message.includes(executionArn));
}

it('after Verify: SecretRotated names the consumers, the ECS service redeploys, the Lambda function gets the version, each refresh audited', async () => {
  // GIVEN a service, and a function with variables of its own
  const service = `api-${randomUUID().slice(0, 8)}`;
  ecs.createService('orders', service);
  const fn = `worker-${randomUUID().slice(0, 8)}`;
  lambda.createFunction(fn, { TABLE: 'orders', LOG_LEVEL: 'info' });
  const secret = await givenSecret([`ecs:orders/${service} orders api`, `lambda:${fn} worker`, 'event checkout']);

  // WHEN
  const result = await rotate(secret.arn);

  // THEN the rotation is untouched, and the consumers were told, then refreshed, before the grace window
  expect(result.status).toBe('SUCCEEDED');
  expect(result.history.slice(4, 11)).toEqual([
    'Verify',
    'ReplicaInSync',
    'NotifyConsumers',
    'NotifyConsumersRefreshNeeded',
    'NotifyConsumersRefresh',
    'WatchSwitchEnabled',
    'Grace',
  ]);
  const versionId = Object.entries(await stagesOf(stack.client, secret.arn)).find(([, s]) =>
    s.includes('AWSCURRENT'),
  )?.[0];
  expect(result.audit).toEqual([
    AuditEventType.Started,
    AuditEventType.Verified,
    AuditEventType.SecretRotated,
    AuditEventType.ConsumerRefreshed,
    AuditEventType.ConsumerRefreshed,
    AuditEventType.UsageChecked,
    AuditEventType.Revoked,
    AuditEventType.Completed,
  ]);
  const rotated = stack.eventBridge
    .events({ detailType: AuditEventType.SecretRotated })
    .find((e) => e.detail.executionArn === result.executionArn);
  expect(rotated).toMatchObject({
    source: 'keyturn.rotation',
    busName: stack.auditBusName,
    detail: {
      secretArn: secret.arn,
      versionId,
      consumers: [
        { name: 'orders api', refresh: `ecs:orders/${service}` },
        { name: 'worker', refresh: `lambda:${fn}` },
        { name: 'checkout', refresh: 'event' },
      ],
    },
  });
  // One new deployment, the old one still ACTIVE while the new tasks start.
  expect(ecs.service('orders', service)?.deployments.map((d) => [d.status, d.reason])).toEqual([
    ['PRIMARY', 'forceNewDeployment'],
    ['ACTIVE', 'create'],
  ]);
  // The version id merged in, the function's own variables kept.
  expect(lambda.function(fn)).toMatchObject({
    variables: { TABLE: 'orders', LOG_LEVEL: 'info', [lambdaVersionVariable(secret.arn)]: versionId },
    configurationUpdates: 1,
  });
  expect(alertsFor(result.executionArn)).toEqual([]);
  // The audit trail (the log group) holds the event and each refresh, and no secret value anywhere.
  const value = await stack.client
    .send(new (await import('@aws-sdk/client-secrets-manager')).GetSecretValueCommand({ SecretId: secret.arn }))
    .then((o) => o.SecretString as string);
  expect(JSON.stringify([result.events, result.auditDetails])).not.toContain(value);
});

it('a retry of the refresh (a crash after it acted) starts no second deployment and leaves the function alone', async () => {
  const service = `api-${randomUUID().slice(0, 8)}`;
  ecs.createService('orders', service);
  const fn = `worker-${randomUUID().slice(0, 8)}`;
  lambda.createFunction(fn, { TABLE: 'orders' });
  const secret = await givenSecret([`ecs:orders/${service} api`, `lambda:${fn} worker`]);
  // The refresh runs to the end, then "crashes" before answering: Step Functions retries the task.
  let attempts = 0;
  const coordinator = handlers[LOCAL_COORDINATOR_FUNCTION_ARN] as LambdaHandler;
  const crashOnce: LambdaHandler = async (input) => {
    const output = await coordinator((input as { Payload?: unknown }).Payload ?? input);
    if (attempts++ === 0) {
      const crash = new Error('the coordinator died before answering');
      crash.name = 'Lambda.ServiceException';
      throw crash;
    }
    return output;
  };

  const result = await runTestExecution(stack, lifecycle, { secretArn: secret.arn, trigger: 'on-demand' }, handlers, {
    NotifyConsumersRefresh: crashOnce,
  });

  expect(result.status).toBe('SUCCEEDED');
  expect(attempts).toBe(2);
  expect(ecs.service('orders', service)?.deployments).toHaveLength(2);
  expect(lambda.function(fn).configurationUpdates).toBe(1);
  const refreshes = result.auditDetails.filter((d) => d.type === AuditEventType.ConsumerRefreshed);
  expect(refreshes.map((d) => d.outcome)).toEqual(['refreshed', 'refreshed', 'already-refreshed', 'already-refreshed']);
});

it('a failed refresh alerts and is audited, but the rotation goes on: the credential is fine', async () => {
  const fn = `worker-${randomUUID().slice(0, 8)}`;
  lambda.createFunction(fn, { TABLE: 'orders' });
  lambda.setEnvironmentError(fn, 'KMSAccessDeniedException');
  const secret = await givenSecret(['ecs:orders/no-such-service api', `lambda:${fn} worker`]);

  const result = await rotate(secret.arn);

  expect(result.status).toBe('SUCCEEDED');
  expect(result.history).toContain('Revoke');
  expect(result.audit.filter((t) => t === AuditEventType.ConsumerRefreshFailed)).toHaveLength(2);
  const failed = result.auditDetails.filter((d) => d.type === AuditEventType.ConsumerRefreshFailed);
  expect(failed.map((d) => d.error)).toEqual(['ServiceNotFoundException', 'EnvironmentNotReadable']);
  // The unreadable variables were not overwritten.
  expect(lambda.function(fn)).toMatchObject({ variables: { TABLE: 'orders' }, configurationUpdates: 0 });
  const [alert, ...more] = alertsFor(result.executionArn);
  expect(more).toEqual([]);
  expect(alert?.subject).toContain('2 consumer refresh(es) failed');
  expect(alert?.message).toContain('no-such-service');
  expect(alert?.attributes.severity?.stringValue).toBe('warning');
});

it('a secret without refresh targets sends the event and skips the refresh state', async () => {
  const secret = await givenSecret(['event checkout']);
  const result = await rotate(secret.arn);
  expect(result.status).toBe('SUCCEEDED');
  expect(result.history).not.toContain('NotifyConsumersRefresh');
  expect(result.audit).toContain(AuditEventType.SecretRotated);
});

describe('emergency', () => {
  const emergency = loadStateMachine('emergency');
  const rotateInEmergency = (secretArn: string): Promise<TestExecution> =>
    runTestExecution(stack, emergency, { secretArn, trigger: 'emergency', reason: 'INC-77: key in a log' }, handlers);

  it('after the revoke: SecretRotated says emergency, the service redeploys and the function gets the version', async () => {
    const service = `api-${randomUUID().slice(0, 8)}`;
    ecs.createService('orders', service);
    const fn = `worker-${randomUUID().slice(0, 8)}`;
    lambda.createFunction(fn, { TABLE: 'orders' });
    const secret = await givenSecret([`ecs:orders/${service} api`, `lambda:${fn} worker`, 'event checkout']);
    const leaked = await valueAt(stack.client, secret.arn, 'AWSCURRENT');

    const result = await rotateInEmergency(secret.arn);

    expect(result.status).toBe('SUCCEEDED');
    // The revoke first (nothing delays it), then the consumers: no grace window in between.
    expect(result.history.slice(-5)).toEqual([
      'Revoke',
      'NotifyConsumers',
      'NotifyConsumersRefreshNeeded',
      'NotifyConsumersRefresh',
      'Rotated',
    ]);
    expect(result.audit).toEqual([
      AuditEventType.Started,
      AuditEventType.Verified,
      AuditEventType.Revoked,
      AuditEventType.Completed,
      AuditEventType.SecretRotated,
      AuditEventType.ConsumerRefreshed,
      AuditEventType.ConsumerRefreshed,
    ]);
    const versionId = (result.output as { verify: { currentVersionId: string } }).verify.currentVersionId;
    const rotated = result.auditDetails.find((d) => d.type === AuditEventType.SecretRotated);
    expect(rotated).toMatchObject({ emergency: true, trigger: 'emergency', versionId });
    expect(ecs.service('orders', service)?.deployments[0]).toMatchObject({
      status: 'PRIMARY',
      reason: 'forceNewDeployment',
    });
    expect(lambda.function(fn).variables[lambdaVersionVariable(secret.arn)]).toBe(versionId);
    expect(JSON.stringify([result.events, result.auditDetails])).not.toContain(leaked);
  });

  it('a failed refresh or a failed event never fails the emergency run: the leaked credential is revoked', async () => {
    const fn = `worker-${randomUUID().slice(0, 8)}`;
    lambda.createFunction(fn, { TABLE: 'orders' });
    lambda.setEnvironmentError(fn, 'KMSAccessDeniedException');
    const secret = await givenSecret(['ecs:orders/no-such-service api', `lambda:${fn} worker`]);
    const busDown: LambdaHandler = () => Promise.reject(Object.assign(new Error('bus down'), { name: 'Boom' }));

    const refreshFailed = await rotateInEmergency(secret.arn);
    const notifyFailed = await runTestExecution(
      stack,
      emergency,
      { secretArn: secret.arn, trigger: 'emergency', reason: 'INC-78' },
      handlers,
      { NotifyConsumers: busDown },
    );

    for (const result of [refreshFailed, notifyFailed]) {
      expect(result.status).toBe('SUCCEEDED');
      expect(result.history.slice(-2)).toEqual(['NotifyConsumersRefresh', 'Rotated']);
      expect(result.audit).toContain(AuditEventType.Revoked);
    }
    expect(refreshFailed.audit.filter((t) => t === AuditEventType.ConsumerRefreshFailed)).toHaveLength(2);
    expect(notifyFailed.audit).not.toContain(AuditEventType.SecretRotated);
    const [alert] = alertsFor(refreshFailed.executionArn);
    expect(alert?.subject).toContain('EMERGENCY: 2 consumer refresh(es) failed');
    expect(alert?.message).toContain('suspected-leaked credential is revoked');
    expect(alert?.attributes.severity?.stringValue).toBe('critical');
  });
});
