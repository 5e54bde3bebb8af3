import { AuditEventType } from '../functions/shared/lifecycle-contract';
import { auditEventsFor, type AuditRecord } from './audit-log';
import { findRuns, type RunSummary } from './executions/runs';
import type { SecretRecordsDeps } from './secret-records';
import {
  canaryHeld,
  type CanaryHeld,
  describeSecret,
  listVersions,
  stuckPending,
  type SecretFacts,
  type SecretVersion,
  type StuckPending,
} from './secrets';

export interface SecretStatus {
  readonly secret: SecretFacts;
  readonly versions: readonly SecretVersion[];
  readonly stuckPending?: StuckPending;
  /** A version carrying the canary label: a canary holding (a run is running) or left behind. */
  readonly canary?: CanaryHeld;
  readonly lastRun?: RunSummary;
  /** The last run's audit events (matched by execution ARN), oldest first. */
  readonly lastRunEvents: readonly AuditRecord[];
  /** Whether the last rotation left the old credential in use; undefined when no run tells. */
  readonly oldCredentialInUse?: boolean;
  /** Why the audit events are missing, if they are. */
  readonly auditNote?: string;
  /** What needs someone's attention, one line each. */
  readonly findings: readonly string[];
}

/** Whether the old credential was left working, from the last run's outcome and its audit events. */
function oldCredentialInUse(run: RunSummary | undefined, events: readonly AuditRecord[]): boolean | undefined {
  if (events.some((e) => e.type === AuditEventType.LeftInUse)) return true;
  if (events.some((e) => e.type === AuditEventType.Revoked)) return false;
  if (run?.outcome === 'left-in-use') return true;
  if (run?.outcome === 'rotated') return false;
  return undefined;
}

/** Everything `keyturn status` shows about one secret. */
export async function secretStatus(deps: SecretRecordsDeps, secretId: string): Promise<SecretStatus> {
  const secret = await describeSecret(deps.secretsManager, secretId);
  const [versions, runs, audit] = await Promise.all([
    listVersions(deps.secretsManager, secret.arn),
    findRuns(deps.sfn, deps.stateMachines, secret.arn, { limit: 1, scan: deps.scan }),
    deps.auditLogGroupName === undefined
      ? Promise.resolve(undefined)
      : auditEventsFor(deps.logs, { logGroupName: deps.auditLogGroupName, secretArn: secret.arn }),
  ]);
  const lastRun = runs[0];
  const lastRunEvents =
    audit === undefined || lastRun === undefined
      ? []
      : audit.events.filter((e) => e.executionArn === lastRun.executionArn);
  const pending = stuckPending(secret, versions);
  const inUse = oldCredentialInUse(lastRun, lastRunEvents);
  const findings: string[] = [];
  if (pending !== undefined && lastRun?.outcome !== 'running')
    findings.push(`stuck AWSPENDING on version ${pending.versionId}: ${pending.resolution}`);
  const canary = canaryHeld(secret, versions);
  if (canary !== undefined) {
    findings.push(
      lastRun?.outcome === 'running'
        ? `canary in progress: version ${canary.versionId} carries ${canary.label} (its cohort uses it; AWSCURRENT has not moved)`
        : `canary label ${canary.label} left on version ${canary.versionId} with no run holding it: its cohort still ` +
            `reads it; remove it with \`aws secretsmanager update-secret-version-stage --secret-id ${secret.name} ` +
            `--version-stage ${canary.label} --remove-from-version-id ${canary.versionId}\` (see docs/canary.md)`,
    );
  }
  if (inUse === true) findings.push('the last rotation left the old credential in use (clients still use it)');
  if (lastRun?.outcome === 'failed') findings.push(`the last run failed: ${lastRun.error ?? 'unknown error'}`);
  if (!secret.rotationEnabled) findings.push('rotation is not enabled on this secret');
  const auditNote =
    deps.auditLogGroupName === undefined
      ? 'the stack has no AuditLogGroupName output: audit events not read'
      : audit?.found === false
        ? `audit log group ${deps.auditLogGroupName} not found`
        : undefined;
  return {
    secret,
    versions,
    ...(pending === undefined ? {} : { stuckPending: pending }),
    ...(canary === undefined ? {} : { canary }),
    ...(lastRun === undefined ? {} : { lastRun }),
    lastRunEvents,
    ...(inUse === undefined ? {} : { oldCredentialInUse: inUse }),
    ...(auditNote === undefined ? {} : { auditNote }),
    findings,
  };
}
