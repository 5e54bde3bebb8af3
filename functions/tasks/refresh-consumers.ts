import type { AuditEvent } from '../shared/audit';
import { describeTarget, lambdaVersionVariable, type ConsumerRefresh } from '../shared/consumer-refresh';
import { AuditEventType } from '../shared/lifecycle-contract';
import type { CoordinatorDeps } from './coordinator-deps';
import type { ConsumersTaskInput } from './consumer-input';
import { auditSubject } from './deps';
import { refreshEcsService, type RefreshOutcome } from './ecs-refresh';
import { InvalidTaskInputError } from './errors';
import { refreshLambdaFunction } from './lambda-refresh';

/** One consumer's refresh, as the task returns it (value-free). */
export interface ConsumerRefreshResult {
  readonly name: string;
  readonly refresh: string;
  readonly outcome: RefreshOutcome['outcome'];
}

export interface RefreshConsumersOutput {
  readonly refreshed: number;
  readonly failed: number;
  readonly results: readonly ConsumerRefreshResult[];
}

/**
 * Refreshes the consumers that name an ECS service (a new deployment) or a Lambda function (new execution
 * environments), one audit event each (`ConsumerRefreshed` / `ConsumerRefreshFailed`). A failed refresh alerts the
 * entry's route and is audited, but never fails the task, nor so the rotation: the new credential is verified and
 * works; only that consumer keeps its cached value until it restarts or its cache expires (the grace window covers
 * its declared cache lifetime). Each refresh is idempotent (see ecs-refresh.ts, lambda-refresh.ts), so a retry of
 * the whole task after a crash refreshes nobody twice.
 */
export async function refreshConsumers(
  input: ConsumersTaskInput,
  deps: CoordinatorDeps,
): Promise<RefreshConsumersOutput> {
  if (input.rotation.dryRun === true) {
    throw new InvalidTaskInputError('the refresh-consumers task never runs in a dry run');
  }
  const targets = (input.consumers?.consumers ?? []).filter((c) => c.target.kind !== 'event');
  if (targets.length === 0) return { refreshed: 0, failed: 0, results: [] };
  const switchedAt = await switchTime(input, deps);
  const outcomes = await Promise.all(targets.map((consumer) => refreshOne(consumer, input, switchedAt, deps)));

  const subject = auditSubject(input.rotation, input.secretArn, input.strategy);
  const events: AuditEvent[] = targets.map((consumer, i) => {
    const result = outcomes[i] as RefreshOutcome;
    const facts = {
      versionId: input.versionId,
      consumer: consumer.name,
      refresh: describeTarget(consumer.target),
      outcome: result.outcome,
      detail: result.detail,
      ...(result.outcome === 'failed' ? { error: result.error } : {}),
    };
    return {
      type: result.outcome === 'failed' ? AuditEventType.ConsumerRefreshFailed : AuditEventType.ConsumerRefreshed,
      facts,
    };
  });
  await deps.audit.record(subject, ...events);

  const failures = targets.flatMap((consumer, i) => {
    const result = outcomes[i] as RefreshOutcome;
    return result.outcome === 'failed' ? [{ consumer, result }] : [];
  });
  if (failures.length > 0) await alertFailures(input, failures, deps);
  const results = targets.map((consumer, i) => ({
    name: consumer.name,
    refresh: describeTarget(consumer.target),
    outcome: (outcomes[i] as RefreshOutcome).outcome,
  }));
  deps.logger.info('consumers refreshed', { versionId: input.versionId, results });
  return { refreshed: targets.length - failures.length, failed: failures.length, results };
}

async function refreshOne(
  consumer: ConsumerRefresh,
  input: ConsumersTaskInput,
  switchedAt: Date,
  deps: CoordinatorDeps,
): Promise<RefreshOutcome> {
  const target = consumer.target;
  const apis = deps.consumerApis;
  if (apis === undefined) {
    return { outcome: 'failed', error: 'NotConfigured', detail: 'the coordinator has no ECS or Lambda client' };
  }
  if (target.kind === 'ecs-service') return refreshEcsService(await apis.ecs(), target, switchedAt);
  if (target.kind === 'lambda-function') {
    return refreshLambdaFunction(
      await apis.lambda(),
      target.functionName,
      lambdaVersionVariable(input.secretArn),
      input.versionId,
      { sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))) },
    );
  }
  return { outcome: 'already-refreshed', detail: 'event only' };
}

/**
 * No later than the moment the new version became AWSCURRENT: the secret's LastRotatedDate (set when the rotation
 * completed), or the run's start when that is older (the rotation's own completion not yet recorded). A deployment
 * created after it reads the new value; one created before might not.
 */
async function switchTime(input: ConsumersTaskInput, deps: CoordinatorDeps): Promise<Date> {
  const startedAt = new Date(input.rotation.startedAt);
  const description = await deps.store.describe(input.secretArn);
  const rotatedAt = description.lastRotatedAt;
  return rotatedAt !== undefined && rotatedAt.getTime() > startedAt.getTime() ? rotatedAt : startedAt;
}

async function alertFailures(
  input: ConsumersTaskInput,
  failures: readonly { consumer: ConsumerRefresh; result: RefreshOutcome }[],
  deps: CoordinatorDeps,
): Promise<void> {
  const topicArn = input.rotation.alertTopicArn ?? deps.defaultAlertTopicArn;
  const name = input.secretArn.split(':secret:')[1]?.replace(/-[A-Za-z0-9]{6}$/, '') ?? input.secretArn;
  const { emergency } = input.rotation;
  const subject = `keyturn${emergency ? ' EMERGENCY' : ''}: ${failures.length} consumer refresh(es) failed after rotation (${name})`;
  if (topicArn === undefined) {
    deps.logger.error('no alert topic configured: alert not sent', { subject });
    return;
  }
  const lines = failures.map(({ consumer, result }) =>
    result.outcome === 'failed'
      ? `- ${consumer.name} (${describeTarget(consumer.target)}): ${result.error}: ${result.detail}`
      : '',
  );
  // In an emergency the old credential is already revoked: a consumer still holding it fails until refreshed.
  const advice = emergency
    ? [
        `The suspected-leaked credential is revoked and the new one (version ${input.versionId}) is verified and`,
        'current, but these consumers could not be refreshed: any that cached the revoked value fails until it',
        'reads the secret again. Refresh them by hand now (redeploy the service, update the function).',
      ]
    : [
        `The secret rotated and the new credential (version ${input.versionId}) is verified and current, but these`,
        'consumers could not be refreshed. The rotation goes on: refresh them by hand (redeploy the service, update',
        'the function) before the grace window ends, or they keep a cached old value until it does.',
      ];
  await deps.alerts.publish({
    topicArn,
    severity: emergency ? 'critical' : 'warning',
    rotationId: input.rotation.id,
    step: 'NotifyConsumersRefresh',
    subject,
    message: [
      ...advice,
      ...lines,
      '',
      `Secret: ${input.secretArn}`,
      `Rotation id: ${input.rotation.id}`,
      `Execution: ${input.rotation.executionArn}`,
    ].join('\n'),
  });
}
