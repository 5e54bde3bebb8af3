import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { paginateListSecrets, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ManagementTag } from '../shared/management-tags';
import { LifecycleMetric } from '../shared/metric-names';
import { ageSecondsOf, mostOverdueFirst, oldestAgeRatioOf } from './age';
import { assessKeyFreshness, type KeyFreshnessReport } from './key-freshness';
import { type KeyAgeReader, readKeys } from './key-reader';
import type { MonitoredKey } from './monitored-keys';

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
  const aged = secrets.flatMap((secret) =>
    secret.maxAgeSeconds === undefined
      ? []
      : [
          {
            arn: secret.arn,
            name: secret.name,
            ageSeconds: ageSecondsOf(secret.rotatedAt, now),
            maxAgeSeconds: secret.maxAgeSeconds,
          },
        ],
  );
  return {
    managed: secrets.length,
    overdue: mostOverdueFirst(aged.filter((secret) => secret.ageSeconds > secret.maxAgeSeconds)),
    rotationDisabled: secrets.filter((s) => !s.rotationEnabled).map((s) => s.arn),
    oldestAgeRatio: oldestAgeRatioOf(aged),
  };
}

/** The policy's KMS keys and how to read them. */
export interface KeyFreshnessSource {
  readonly reader: KeyAgeReader;
  /** The keys to check (parseMonitoredKeys of the environment); a throw is reported, never fatal. */
  readonly load: () => readonly MonitoredKey[];
}

export interface FreshnessCheckDeps {
  readonly client: SecretsManagerClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** @default - no keys: the key gauges are published as 0 */
  readonly keys?: KeyFreshnessSource;
  readonly now?: () => Date;
}

/** What the scheduled run returns (counts only: Lambda keeps invocation results in its logs). */
export interface FreshnessSummary {
  readonly managed: number;
  readonly overdue: number;
  readonly rotationDisabled: number;
  readonly keys: { readonly monitored: number; readonly overdue: number; readonly unchecked: number };
}

/**
 * One hourly run: the keys, then the secrets, each assessed and reported. The gauges feed the rotation-overdue
 * alarm; each overdue or unchecked item gets a log line naming it, so the alarm's runbook can find it. The keys go
 * first and their gauges are published even when listing the secrets fails (the alarm then sees SecretsOverdue
 * missing, which it treats as overdue).
 */
export async function runFreshnessCheck(deps: FreshnessCheckDeps): Promise<FreshnessSummary> {
  const now = deps.now?.() ?? new Date();
  const keys = await checkKeys(deps, now);
  try {
    const report = assessFreshness(await listManagedSecrets(deps.client), now);
    for (const secret of report.overdue) {
      deps.logger.warn('secret is overdue for rotation', { ...secret });
    }
    for (const arn of report.rotationDisabled) {
      deps.logger.warn('rotation is turned off for a managed secret', { secretArn: arn });
    }
    deps.metrics.addMetric(LifecycleMetric.SecretsOverdue, MetricUnit.Count, report.overdue.length);
    deps.metrics.addMetric(LifecycleMetric.OldestSecretAgePercent, MetricUnit.Percent, report.oldestAgeRatio * 100);
    const summary = {
      managed: report.managed,
      overdue: report.overdue.length,
      rotationDisabled: report.rotationDisabled.length,
      keys,
    };
    deps.logger.info('freshness check done', { ...summary });
    return summary;
  } finally {
    deps.metrics.publishStoredMetrics();
  }
}

/** The keys' part of a run: read each, assess, log, and add the key gauges (0 when the policy has no keys). */
async function checkKeys(deps: FreshnessCheckDeps, now: Date): Promise<FreshnessSummary['keys']> {
  let report: KeyFreshnessReport;
  let unloadable = 0;
  try {
    const monitored = deps.keys?.load() ?? [];
    report = assessKeyFreshness(deps.keys ? await readKeys(deps.keys.reader, monitored) : [], now);
  } catch (error) {
    // The list itself is unreadable (a deployment fault): no key can be vouched for, so count that as one unchecked.
    deps.logger.error('the KMS keys to check could not be loaded', {
      error: error instanceof Error ? error.message : 'unknown',
    });
    report = assessKeyFreshness([], now);
    unloadable = 1;
  }
  for (const key of report.overdue) {
    deps.logger.warn('KMS key is overdue for rotation', { ...key });
  }
  for (const key of report.unchecked) {
    deps.logger.warn('KMS key could not be checked', { ...key });
  }
  const unchecked = report.unchecked.length + unloadable;
  deps.metrics.addMetric(LifecycleMetric.KeysOverdue, MetricUnit.Count, report.overdue.length);
  deps.metrics.addMetric(LifecycleMetric.KeysUnchecked, MetricUnit.Count, unchecked);
  deps.metrics.addMetric(LifecycleMetric.OldestKeyAgePercent, MetricUnit.Percent, report.oldestAgeRatio * 100);
  return { monitored: report.monitored, overdue: report.overdue.length, unchecked };
}
