import { TAG_PREFIX } from '../strategies/tag-options';
import { METRICS_NAMESPACE } from './metric-names';

/**
 * Which CloudWatch metric is a policy entry's auth-failure signal, as the policy writes it onto the secret
 * (`keyturn:auth-failures-*` tags) and the reader reads it back. One module for both sides, so they cannot drift.
 * Tag values may hold letters, digits, spaces and `_.:/=+-@`: dimensions travel as space-separated `Name=Value`.
 */
export const AuthFailureTag = {
  /** The metric's namespace (`keyturn`, or `AWS/ElastiCache`). */
  namespace: `${TAG_PREFIX}auth-failures-namespace`,
  metricName: `${TAG_PREFIX}auth-failures-metric`,
  /** Space-separated `Name=Value` pairs; absent or empty: the metric has no dimensions. */
  dimensions: `${TAG_PREFIX}auth-failures-dimensions`,
} as const;

/** A metric whose Sum counts failed logins. */
export interface AuthFailureMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * The metric keyturn's metric filters publish for an entry's failed logins (RDS log exports): in keyturn's
 * namespace, one metric per entry. A metric filter on unstructured log lines cannot attach a fixed dimension
 * (CloudWatch Logs takes dimension values only from fields of JSON or space-delimited patterns), so the entry is
 * in the metric's name.
 */
export function entryAuthFailureMetric(entryId: string): AuthFailureMetric {
  return { namespace: METRICS_NAMESPACE, metricName: `${AUTH_FAILURES_METRIC_PREFIX}${entryId}`, dimensions: {} };
}

/** Every entry's log-derived auth-failure metric is named this, then the entry id. */
export const AUTH_FAILURES_METRIC_PREFIX = 'AuthFailures-';

/**
 * ElastiCache's own count of failed AUTH commands (all users), per cache cluster, or per node of it when
 * `cacheNodeId` is given (ElastiCache publishes both dimension sets; a metric is one exact set).
 */
export function elastiCacheAuthFailureMetric(cacheClusterId: string, cacheNodeId?: string): AuthFailureMetric {
  return {
    namespace: 'AWS/ElastiCache',
    metricName: 'AuthenticationFailures',
    dimensions: { CacheClusterId: cacheClusterId, ...(cacheNodeId !== undefined ? { CacheNodeId: cacheNodeId } : {}) },
  };
}

/** The tags that name `metric` as the secret's signal. */
export function authFailureMetricTags(metric: AuthFailureMetric): Record<string, string> {
  const dimensions = Object.entries(metric.dimensions).map(([name, value]) => `${name}=${value}`);
  return {
    [AuthFailureTag.namespace]: metric.namespace,
    [AuthFailureTag.metricName]: metric.metricName,
    ...(dimensions.length > 0 ? { [AuthFailureTag.dimensions]: dimensions.join(' ') } : {}),
  };
}

/** Why the tags name no readable metric (absent, or malformed), or the metric they name. */
export function authFailureMetricOf(
  tags: Readonly<Record<string, string>>,
): { readonly metric: AuthFailureMetric } | { readonly problem: string } {
  const namespace = tags[AuthFailureTag.namespace]?.trim();
  const metricName = tags[AuthFailureTag.metricName]?.trim();
  if (!namespace || !metricName) {
    return {
      problem: `the secret names no auth-failure metric (tags ${AuthFailureTag.namespace}, ${AuthFailureTag.metricName})`,
    };
  }
  const dimensions: Record<string, string> = {};
  for (const pair of (tags[AuthFailureTag.dimensions] ?? '').split(' ').filter((p) => p !== '')) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) {
      return { problem: `tag ${AuthFailureTag.dimensions} must hold space-separated Name=Value pairs, got "${pair}"` };
    }
    dimensions[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { metric: { namespace, metricName, dimensions } };
}

/** `namespace metricName Name=Value ...`: the `source` of a count, in audit events and alerts (value-free). */
export function describeAuthFailureMetric(metric: AuthFailureMetric): string {
  const dimensions = Object.entries(metric.dimensions).map(([name, value]) => ` ${name}=${value}`);
  return `${metric.namespace} ${metric.metricName}${dimensions.join('')} (Sum)`;
}
