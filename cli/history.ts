import { AuditEventType } from '../functions/shared/lifecycle-contract';
import { auditEventsFor, type AuditRecord } from './audit-log';
import { findRuns, type RunSummary } from './executions/runs';
import type { SecretRecordsDeps } from './secret-records';
import type { RunOutcome } from './executions/outcome';
import { describeSecret } from './secrets';

/** One rotation of a secret, from its execution, its audit events, or both. */
export interface Rotation {
  readonly executionArn?: string;
  readonly rotationId?: string;
  readonly startedAt: Date;
  readonly endedAt?: Date;
  readonly trigger?: string;
  readonly emergency: boolean;
  readonly outcome: RunOutcome | 'unknown';
  readonly error?: string;
  /** The audit events' types, in order. */
  readonly events: readonly string[];
  /** Where this rotation is known from. */
  readonly sources: readonly ('execution' | 'audit')[];
}

export interface SecretHistory {
  readonly secretArn: string;
  readonly secretName: string;
  readonly rotations: readonly Rotation[];
  readonly auditNote?: string;
}

/** The outcome an audit trail alone tells (executions are kept 90 days; the log longer). */
function outcomeOfEvents(events: readonly AuditRecord[]): RunOutcome | 'unknown' {
  const types = new Set(events.map((e) => e.type));
  if (types.has(AuditEventType.Failed)) return 'failed';
  if (types.has(AuditEventType.Skipped)) return 'skipped';
  if (types.has(AuditEventType.LeftInUse)) return 'left-in-use';
  if (types.has(AuditEventType.Completed) || types.has(AuditEventType.Revoked)) return 'rotated';
  return 'unknown';
}

/** Merges runs and audit events by execution ARN (else rotation id), newest first. */
export function mergeRotations(runs: readonly RunSummary[], events: readonly AuditRecord[]): Rotation[] {
  const byKey = new Map<string, AuditRecord[]>();
  for (const event of events) {
    const key = event.executionArn ?? event.rotationId;
    if (key === undefined) continue;
    byKey.set(key, [...(byKey.get(key) ?? []), event]);
  }
  const rotations: Rotation[] = runs.map((run) => {
    const own = byKey.get(run.executionArn) ?? [];
    byKey.delete(run.executionArn);
    return {
      executionArn: run.executionArn,
      ...(own[0]?.rotationId === undefined ? {} : { rotationId: own[0].rotationId }),
      startedAt: run.startDate,
      ...(run.stopDate === undefined ? {} : { endedAt: run.stopDate }),
      ...(run.trigger === undefined ? {} : { trigger: run.trigger }),
      emergency: run.stateMachine === 'emergency' || own.some((e) => e.emergency === true),
      outcome: run.outcome,
      ...(run.error === undefined ? {} : { error: run.error }),
      events: own.map((e) => e.type),
      sources: own.length > 0 ? ['execution', 'audit'] : ['execution'],
    };
  });
  for (const own of byKey.values()) {
    const first = own[0];
    const last = own[own.length - 1];
    if (first === undefined || last === undefined) continue;
    const failure = own.find((e) => e.type === AuditEventType.Failed)?.facts.error;
    rotations.push({
      ...(first.executionArn === undefined ? {} : { executionArn: first.executionArn }),
      ...(first.rotationId === undefined ? {} : { rotationId: first.rotationId }),
      startedAt: first.time,
      endedAt: last.time,
      ...(first.trigger === undefined ? {} : { trigger: first.trigger }),
      emergency: own.some((e) => e.emergency === true),
      outcome: outcomeOfEvents(own),
      ...(typeof failure === 'string' ? { error: failure } : {}),
      events: own.map((e) => e.type),
      sources: ['audit'],
    });
  }
  // Audit times have whole seconds: rotations starting in the same second keep the log's order, reversed
  // (the runs came newest first, the audit-only rotations oldest first).
  const order = new Map(rotations.map((r, i) => [r, i < runs.length ? runs.length - i : runs.length + i]));
  return rotations.sort(
    (a, b) => b.startedAt.getTime() - a.startedAt.getTime() || (order.get(b) ?? 0) - (order.get(a) ?? 0),
  );
}

/** A secret's rotations over time, newest first, at most `limit`. */
export async function secretHistory(deps: SecretRecordsDeps, secretId: string, limit: number): Promise<SecretHistory> {
  const secret = await describeSecret(deps.secretsManager, secretId);
  const [runs, audit] = await Promise.all([
    findRuns(deps.sfn, deps.stateMachines, secret.arn, { scan: deps.scan }),
    deps.auditLogGroupName === undefined
      ? Promise.resolve(undefined)
      : auditEventsFor(deps.logs, { logGroupName: deps.auditLogGroupName, secretArn: secret.arn, limit: 5000 }),
  ]);
  const auditNote =
    deps.auditLogGroupName === undefined
      ? 'the stack has no AuditLogGroupName output: executions only'
      : audit?.found === false
        ? `audit log group ${deps.auditLogGroupName} not found: executions only`
        : undefined;
  return {
    secretArn: secret.arn,
    secretName: secret.name,
    rotations: mergeRotations(runs, audit?.events ?? []).slice(0, limit),
    ...(auditNote === undefined ? {} : { auditNote }),
  };
}
