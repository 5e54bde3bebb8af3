import { describeTarget } from '../shared/consumer-refresh';
import { AuditEventType } from '../shared/lifecycle-contract';
import type { CoordinatorDeps } from './coordinator-deps';
import type { ConsumersTaskInput } from './consumer-input';
import { auditSubject } from './deps';
import { InvalidTaskInputError } from './errors';

export interface NotifyOutput {
  readonly versionId: string;
  /** Consumers the event named. */
  readonly consumers: number;
  /** How many of them name an ECS service or Lambda function to refresh next. */
  readonly refreshCount: number;
}

/**
 * Tells consumers the rotated credential is verified and current: one `SecretRotated` event (source
 * `keyturn.rotation`) on the audit bus, where consumers subscribe with a rule and where the audit trail records it.
 * It names the secret, the version, the entry and the consumers with what is refreshed for each; never a value.
 * At least once: a retry after a crash may put it again, so subscribers deduplicate on `detail.versionId`.
 */
export async function notify(input: ConsumersTaskInput, deps: CoordinatorDeps): Promise<NotifyOutput> {
  if (input.rotation.dryRun === true) {
    throw new InvalidTaskInputError('the notify task never runs in a dry run (a dry run ends after pre-flight)');
  }
  const consumers = input.consumers?.consumers ?? [];
  await deps.audit.record(auditSubject(input.rotation, input.secretArn, input.strategy), {
    type: AuditEventType.SecretRotated,
    facts: {
      versionId: input.versionId,
      consumers: consumers.map((c) => ({ name: c.name, refresh: describeTarget(c.target) })),
    },
  });
  deps.logger.info('consumers told: SecretRotated', { versionId: input.versionId, consumers: consumers.length });
  return { versionId: input.versionId, consumers: consumers.length, refreshCount: input.consumers?.refreshCount ?? 0 };
}
