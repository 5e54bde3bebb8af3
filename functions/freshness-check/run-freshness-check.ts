import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { inventoryKeys } from '../inventory/keys-inventory';
import type { PolicySecret } from '../inventory/policy-secrets';
import { inventorySecrets } from '../inventory/secrets-inventory';
import { countByCode } from '../inventory/inventory';
import { FindingCode, type Finding, type FindingCodeName } from '../inventory/types';
import { LifecycleMetric } from '../shared/metric-names';
import { assessKeyFreshness, type KeyFreshnessReport } from './key-freshness';
import type { KeyAgeReader } from './key-reader';
import type { MonitoredKey } from './monitored-keys';

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
  /**
   * The policy's secret entries (policySecretsOfEvent of the schedule's input): undefined skips the comparisons with the
   * policy; a throw is reported (PolicySecretsMissing counts it), never fatal.
   *
   * @default - no comparison with the policy
   */
  readonly policySecrets?: () => readonly PolicySecret[] | undefined;
  /** @default 3600 */
  readonly stuckPendingAfterSeconds?: number;
  readonly now?: () => Date;
}

/** What the scheduled run returns (counts only: Lambda keeps invocation results in its logs). */
export interface FreshnessSummary {
  readonly managed: number;
  readonly overdue: number;
  readonly rotationDisabled: number;
  readonly keys: { readonly monitored: number; readonly overdue: number; readonly unchecked: number };
  /** The secrets' findings per code (the keys' are in `keys`). */
  readonly findings: Readonly<Record<FindingCodeName, number>>;
}

/** The gauge each secret finding feeds (overdue keeps its own, with the oldest age beside it). */
const SECRET_FINDING_METRICS: readonly [FindingCodeName, string][] = [
  [FindingCode.StuckPending, LifecycleMetric.SecretsStuckPending],
  [FindingCode.RotationDisabled, LifecycleMetric.SecretsRotationDisabled],
  [FindingCode.UnmanagedTagged, LifecycleMetric.UnmanagedTaggedSecrets],
  [FindingCode.PolicySecretMissing, LifecycleMetric.PolicySecretsMissing],
  [FindingCode.NotInPolicy, LifecycleMetric.ManagedSecretsNotInPolicy],
  [FindingCode.ReplicaOutOfSync, LifecycleMetric.ReplicasOutOfSync],
  [FindingCode.SecretUnreadable, LifecycleMetric.SecretsUnreadable],
];

/** The log line of each secret finding the overdue runbook does not already name (see runFreshnessCheck). */
const FINDING_LOG_MESSAGES: Partial<Record<FindingCodeName, string>> = {
  [FindingCode.StuckPending]: 'AWSPENDING is stuck on a version that is not current',
  [FindingCode.UnmanagedTagged]: 'a secret carries keyturn tags but is not managed',
  [FindingCode.PolicySecretMissing]: "a policy entry's secret is missing",
  [FindingCode.NotInPolicy]: 'a managed secret is not in the policy',
  [FindingCode.ReplicaOutOfSync]: 'a replica of a managed secret is not in sync',
  [FindingCode.SecretUnreadable]: 'a managed secret could not be read',
};

/**
 * One hourly run: the keys, then the secrets' inventory (functions/inventory), each reported. The gauges feed the
 * rotation-overdue alarm and the inventory alarms; each finding gets a log line naming its subject and how to
 * resolve it, so the alarm's runbook can find it. The keys go first and their gauges are published even when
 * listing the secrets fails (the alarm then sees SecretsOverdue missing, which it treats as overdue). Read calls only.
 */
export async function runFreshnessCheck(deps: FreshnessCheckDeps): Promise<FreshnessSummary> {
  const now = deps.now?.() ?? new Date();
  const keys = await checkKeys(deps, now);
  try {
    const policy = loadPolicySecrets(deps);
    const inventory = await inventorySecrets(
      {
        secretsManager: deps.client,
        ...(policy.secrets === undefined ? {} : { policySecrets: policy.secrets }),
        ...(deps.stuckPendingAfterSeconds === undefined
          ? {}
          : { stuckPendingAfterSeconds: deps.stuckPendingAfterSeconds }),
      },
      now,
    );
    const report = inventory.freshness;
    for (const secret of report.overdue) {
      deps.logger.warn('secret is overdue for rotation', { ...secret });
    }
    for (const arn of report.rotationDisabled) {
      deps.logger.warn('rotation is turned off for a managed secret', { secretArn: arn });
    }
    for (const finding of inventory.findings) logFinding(deps.logger, finding);
    const counts = countByCode(inventory.findings);
    deps.metrics.addMetric(LifecycleMetric.SecretsOverdue, MetricUnit.Count, report.overdue.length);
    deps.metrics.addMetric(LifecycleMetric.OldestSecretAgePercent, MetricUnit.Percent, report.oldestAgeRatio * 100);
    for (const [code, metric] of SECRET_FINDING_METRICS) {
      const extra = code === FindingCode.PolicySecretMissing ? policy.unloadable : 0;
      deps.metrics.addMetric(metric, MetricUnit.Count, counts[code] + extra);
    }
    const summary = {
      managed: report.managed,
      overdue: report.overdue.length,
      rotationDisabled: report.rotationDisabled.length,
      keys,
      findings: counts,
    };
    deps.logger.info('freshness check done', { ...summary });
    return summary;
  } finally {
    deps.metrics.publishStoredMetrics();
  }
}

/** A finding the older log lines do not cover: its code, subject, what was found and how to resolve it. */
function logFinding(logger: Logger, finding: Finding): void {
  const message = FINDING_LOG_MESSAGES[finding.code];
  if (message === undefined) return;
  logger.warn(message, {
    code: finding.code,
    subjectType: finding.subject.type,
    subject: finding.subject.id,
    ...(finding.subject.name === null ? {} : { name: finding.subject.name }),
    ...(finding.subject.entryId === null ? {} : { entryId: finding.subject.entryId }),
    detail: finding.message,
    resolution: finding.resolution,
  });
}

/** The policy's secret entries, or why not: an unloadable list is logged and counted, and skips the comparison. */
function loadPolicySecrets(deps: FreshnessCheckDeps): {
  readonly secrets?: readonly PolicySecret[];
  readonly unloadable: number;
} {
  try {
    const secrets = deps.policySecrets?.();
    return secrets === undefined ? { unloadable: 0 } : { secrets, unloadable: 0 };
  } catch (error) {
    deps.logger.error("the policy's secret entries could not be loaded", {
      error: error instanceof Error ? error.message : 'unknown',
    });
    return { unloadable: 1 };
  }
}

/** The keys' part of a run: read each, assess, log, and add the key gauges (0 when the policy has no keys). */
async function checkKeys(deps: FreshnessCheckDeps, now: Date): Promise<FreshnessSummary['keys']> {
  let report: KeyFreshnessReport;
  let unloadable = 0;
  try {
    const monitored = deps.keys?.load() ?? [];
    report = deps.keys
      ? (await inventoryKeys(deps.keys.reader, monitored, now)).freshness
      : assessKeyFreshness([], now);
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
