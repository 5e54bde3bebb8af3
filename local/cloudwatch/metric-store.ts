/**
 * The local CloudWatch's metrics, in memory: one time series per metric (namespace, name and
 * dimension set), each data point a statistic set (a single value is a set of one). Shared
 * in-process: the local CloudWatch Logs' metric filters and other local services (the local
 * ElastiCache's AuthenticationFailures) put their data points here, as AWS services publish theirs.
 */

export const STANDARD_UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;

export type StandardUnit = (typeof STANDARD_UNITS)[number];

export interface Dimension {
  readonly name: string;
  readonly value: string;
}

/** A metric: dimensions in name order (the order they were given does not make another metric). */
export interface MetricIdentity {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
}

/** What one data point says: how many samples, their sum, smallest and largest. */
export interface StatisticSet {
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
}

export interface DataPoint extends StatisticSet {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly unit: StandardUnit;
}

export interface StoredMetric {
  readonly identity: MetricIdentity;
  /** In arrival order. */
  readonly points: DataPoint[];
}

/** One value as another local service puts it (`metrics.putValue(...)`). */
export interface MetricValueInput {
  readonly namespace: string;
  readonly metricName: string;
  /** `{ CacheClusterId: 'keyturn-redis' }` or `[{ name, value }]`. @default none */
  readonly dimensions?: Readonly<Record<string, string>> | readonly Dimension[];
  readonly value: number;
  /** @default the store's clock */
  readonly timestamp?: Date | number;
  /** @default 'None' */
  readonly unit?: StandardUnit;
}

export class MetricStore {
  private readonly metrics = new Map<string, StoredMetric>();

  /** `now` is the clock for in-process values put without a timestamp. */
  constructor(readonly now: () => Date = () => new Date()) {}

  /** Records one data point (already validated) for a metric, creating the metric if it is new. */
  record(identity: MetricIdentity, point: DataPoint): void {
    const normalized = normalizeIdentity(identity);
    const key = metricKey(normalized);
    const stored = this.metrics.get(key) ?? { identity: normalized, points: [] };
    stored.points.push(point);
    this.metrics.set(key, stored);
  }

  /**
   * The in-process way for a local service to publish a value, as an AWS service publishes to
   * its own namespace (`AWS/ElastiCache` is allowed here, unlike through PutMetricData).
   */
  putValue(input: MetricValueInput): void {
    if (!Number.isFinite(input.value)) throw new RangeError(`metric value must be a finite number: ${input.value}`);
    const dimensions = dimensionList(input.dimensions);
    const timestamp = input.timestamp ?? this.now();
    this.record(
      { namespace: input.namespace, metricName: input.metricName, dimensions },
      {
        timestamp: typeof timestamp === 'number' ? timestamp : timestamp.getTime(),
        unit: input.unit ?? 'None',
        sampleCount: 1,
        sum: input.value,
        minimum: input.value,
        maximum: input.value,
      },
    );
  }

  /** The metric with exactly these dimensions, if it has data. */
  metric(identity: MetricIdentity): StoredMetric | undefined {
    return this.metrics.get(metricKey(normalizeIdentity(identity)));
  }

  /** Every metric, ordered by namespace, name and dimensions. */
  list(): StoredMetric[] {
    return [...this.metrics.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, metric]) => metric);
  }
}

function dimensionList(dimensions: MetricValueInput['dimensions']): readonly Dimension[] {
  if (dimensions === undefined) return [];
  if (isDimensionArray(dimensions)) return dimensions;
  return Object.entries(dimensions).map(([name, value]): Dimension => ({ name, value }));
}

function isDimensionArray(
  dimensions: Readonly<Record<string, string>> | readonly Dimension[],
): dimensions is readonly Dimension[] {
  return Array.isArray(dimensions);
}

function normalizeIdentity(identity: MetricIdentity): MetricIdentity {
  return {
    namespace: identity.namespace,
    metricName: identity.metricName,
    dimensions: [...identity.dimensions]
      .map(({ name, value }) => ({ name, value }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

function metricKey(identity: MetricIdentity): string {
  return JSON.stringify([identity.namespace, identity.metricName, identity.dimensions.map((d) => [d.name, d.value])]);
}
