import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { paginateListSecrets, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ManagementTag } from '../shared/management-tags';
import { LifecycleMetric } from '../shared/metric-names';

/** What the freshness check knows of a managed secret: metadata only, never a value. */
export interface ManagedSecret {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  /** The last rotation, or the creation when the secret never rotated. */
  readonly rotatedAt: Date;
  /** From the `keyturn:max-age-seconds` tag; undefined when the schedule sets no bound. */
  readonly maxAgeSeconds?: number;
}

export interface OverdueSecret {
  readonly arn: string;
  readonly name: string;
  readonly ageSeconds: number;
  readonly maxAgeSeconds: number;
}

export interface FreshnessReport {
  readonly managed: number;
  readonly overdue: readonly OverdueSecret[];
  /** Managed secrets whose rotation is turned off: they will become overdue. */
  readonly rotationDisabled: readonly string[];
  /** The largest age ÷ allowed age over all secrets with a bound: 1 is the edge of overdue. */
  readonly oldestAgeRatio: number;
}

/** Every secret tagged `keyturn:managed`, through ListSecrets (which returns no values). */
export async function listManagedSecrets(client: SecretsManagerClient): Promise<ManagedSecret[]> {
  const secrets: ManagedSecret[] = [];
  const pages = paginateListSecrets(
    { client, pageSize: 100 },
    { Filters: [{ Key: 'tag-key', Values: [ManagementTag.managed] }] },
  );
  for await (const page of pages) {
    for (const entry of page.SecretList ?? []) {
      const tags = Object.fromEntries((entry.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      // The filter matches key prefixes; keep exact matches only.
      if (tags[ManagementTag.managed] !== 'true' || !entry.ARN) continue;
      const maxAge = Number(tags[ManagementTag.maxAgeSeconds]);
      secrets.push({
        arn: entry.ARN,
        name: entry.Name ?? entry.ARN,
        rotationEnabled: entry.RotationEnabled === true,
        rotatedAt: entry.LastRotatedDate ?? entry.CreatedDate ?? new Date(0),
        maxAgeSeconds: Number.isFinite(maxAge) && maxAge > 0 ? maxAge : undefined,
      });
    }
  }
  return secrets;
}

/** Which secrets are older than their policy allows. */
export function assessFreshness(secrets: readonly ManagedSecret[], now: Date): FreshnessReport {
  const overdue: OverdueSecret[] = [];
  let oldestAgeRatio = 0;
  for (const secret of secrets) {
    if (secret.maxAgeSeconds === undefined) continue;
    const ageSeconds = Math.max(0, Math.round((now.getTime() - secret.rotatedAt.getTime()) / 1000));
    oldestAgeRatio = Math.max(oldestAgeRatio, ageSeconds / secret.maxAgeSeconds);
    if (ageSeconds > secret.maxAgeSeconds) {
      overdue.push({ arn: secret.arn, name: secret.name, ageSeconds, maxAgeSeconds: secret.maxAgeSeconds });
    }
  }
  return {
    managed: secrets.length,
    overdue: overdue.sort((a, b) => b.ageSeconds / b.maxAgeSeconds - a.ageSeconds / a.maxAgeSeconds),
    rotationDisabled: secrets.filter((s) => !s.rotationEnabled).map((s) => s.arn),
    oldestAgeRatio: Math.round(oldestAgeRatio * 1000) / 1000,
  };
}

export interface FreshnessCheckDeps {
  readonly client: SecretsManagerClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => Date;
}

/** What the scheduled run returns (counts only: Lambda keeps invocation results in its logs). */
export interface FreshnessSummary {
  readonly managed: number;
  readonly overdue: number;
  readonly rotationDisabled: number;
}

/**
 * One hourly run: list, assess, and report. The gauges feed the rotation-overdue alarm;
 * each overdue secret gets a log line naming it, so the alarm's runbook can find them.
 */
export async function runFreshnessCheck(deps: FreshnessCheckDeps): Promise<FreshnessSummary> {
  const report = assessFreshness(await listManagedSecrets(deps.client), deps.now?.() ?? new Date());
  for (const secret of report.overdue) {
    deps.logger.warn('secret is overdue for rotation', { ...secret });
  }
  for (const arn of report.rotationDisabled) {
    deps.logger.warn('rotation is turned off for a managed secret', { secretArn: arn });
  }
  deps.metrics.addMetric(LifecycleMetric.SecretsOverdue, MetricUnit.Count, report.overdue.length);
  deps.metrics.addMetric(LifecycleMetric.OldestSecretAgePercent, MetricUnit.Percent, report.oldestAgeRatio * 100);
  deps.metrics.publishStoredMetrics();
  deps.logger.info('freshness check done', {
    managed: report.managed,
    overdue: report.overdue.length,
    rotationDisabled: report.rotationDisabled.length,
  });
  return { managed: report.managed, overdue: report.overdue.length, rotationDisabled: report.rotationDisabled.length };
}
