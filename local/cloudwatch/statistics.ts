import type { DataPoint, StandardUnit, StatisticSet } from './metric-store';

/**
 * The five statistics over fixed periods, as GetMetricData and GetMetricStatistics compute them.
 * Periods start at the query's start time rounded down to the whole minute (CloudWatch's rounding
 * for data less than 15 days old) and step by the period; a data point at the start time belongs
 * to the first period, one at the end time to none.
 */

export const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
export type Statistic = (typeof STATISTICS)[number];

export const isStatistic = (name: string): name is Statistic => (STATISTICS as readonly string[]).includes(name);

const MINUTE_MS = 60_000;

export interface PeriodAggregate extends StatisticSet {
  /** Epoch milliseconds: the period's start. */
  readonly timestamp: number;
  /** The unit of its data points when they agree; undefined when they differ. */
  readonly unit: StandardUnit | undefined;
}

export interface PeriodQuery {
  /** Epoch milliseconds, inclusive. */
  readonly start: number;
  /** Epoch milliseconds, exclusive. */
  readonly end: number;
  readonly periodSeconds: number;
  /** Only data points published with this unit. */
  readonly unit?: StandardUnit;
}

/** The first period's start: the query's start rounded down to the whole minute. */
export function firstPeriodStart(start: number): number {
  return Math.floor(start / MINUTE_MS) * MINUTE_MS;
}

/** How many periods the query spans (what the data point limits count). */
export function periodCount(query: PeriodQuery): number {
  return Math.max(0, Math.ceil((query.end - firstPeriodStart(query.start)) / (query.periodSeconds * 1000)));
}

/** One aggregate per period that has data, oldest first. */
export function aggregateByPeriod(points: readonly DataPoint[], query: PeriodQuery): PeriodAggregate[] {
  const origin = firstPeriodStart(query.start);
  const periodMs = query.periodSeconds * 1000;
  const periods = new Map<number, PeriodAggregate>();
  for (const point of points) {
    if (point.timestamp < query.start || point.timestamp >= query.end) continue;
    if (query.unit !== undefined && point.unit !== query.unit) continue;
    const timestamp = origin + Math.floor((point.timestamp - origin) / periodMs) * periodMs;
    const previous = periods.get(timestamp);
    periods.set(
      timestamp,
      previous === undefined
        ? { timestamp, unit: point.unit, ...statisticSet(point) }
        : {
            timestamp,
            unit: previous.unit === point.unit ? previous.unit : undefined,
            sampleCount: previous.sampleCount + point.sampleCount,
            sum: previous.sum + point.sum,
            minimum: Math.min(previous.minimum, point.minimum),
            maximum: Math.max(previous.maximum, point.maximum),
          },
    );
  }
  return [...periods.values()].sort((a, b) => a.timestamp - b.timestamp);
}

export function statisticOf(aggregate: StatisticSet, statistic: Statistic): number {
  switch (statistic) {
    case 'SampleCount':
      return aggregate.sampleCount;
    case 'Sum':
      return aggregate.sum;
    case 'Minimum':
      return aggregate.minimum;
    case 'Maximum':
      return aggregate.maximum;
    case 'Average':
      return aggregate.sum / aggregate.sampleCount;
  }
}

function statisticSet({ sampleCount, sum, minimum, maximum }: StatisticSet): StatisticSet {
  return { sampleCount, sum, minimum, maximum };
}
