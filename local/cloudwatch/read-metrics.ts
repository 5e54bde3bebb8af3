import { paginate } from '../http/pagination';
import {
  invalidNextToken,
  invalidParameterCombination,
  invalidParameterValue,
  missingParameter,
  notSupported,
  validationError,
} from './errors';
import type { MetricIdentity, MetricStore, StoredMetric } from './metric-store';
import type { RequestOf } from './requests';
import { aggregateByPeriod, isStatistic, periodCount, statisticOf, type PeriodAggregate } from './statistics';

/**
 * GetMetricData, GetMetricStatistics and ListMetrics over the in-memory store. Metric math
 * (`Expression`), percentiles and cross-account reads are refused by name rather than guessed.
 */

const HOUR_MS = 60 * 60 * 1000;
/** ListMetrics shows metrics with data in the last two weeks (RecentlyActive: three hours). */
const LIST_WINDOW_MS = 14 * 24 * HOUR_MS;
const RECENT_WINDOW_MS = 3 * HOUR_MS;
const LIST_PAGE_SIZE = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;
export const MAX_STATISTICS_DATAPOINTS = 1440;

export function getMetricData(store: MetricStore, request: RequestOf<'GetMetricData'>): object {
  const { start, end } = timeRange(request.StartTime, request.EndTime);
  const ids = request.MetricDataQueries.map((query) => query.Id);
  if (new Set(ids).size !== ids.length) {
    throw validationError('The values for parameter id in MetricDataQueries are not unique.');
  }
  const results = request.MetricDataQueries.map((query, index) => {
    const at = `MetricDataQueries.member.${index + 1}`;
    if (query.AccountId !== undefined) throw notSupported(`${at}.AccountId (cross-account reads)`);
    if ((query.MetricStat === undefined) === (query.Expression === undefined)) {
      throw validationError(`Exactly one element of MetricStat and Expression must be specified in ${at}.`);
    }
    const stat = query.MetricStat;
    if (stat === undefined) throw notSupported(`${at}.Expression (metric math)`);
    if (!isStatistic(stat.Stat)) throw notSupported(`The statistic ${stat.Stat} in ${at}.MetricStat.Stat`);
    checkPeriod(stat.Period, `${at}.MetricStat.Period`);
    const identity = metricOf(stat.Metric, `${at}.MetricStat.Metric`);
    const aggregates = aggregateByPeriod(store.metric(identity)?.points ?? [], {
      start,
      end,
      periodSeconds: stat.Period,
      unit: stat.Unit,
    });
    if (request.ScanBy !== 'TimestampAscending') aggregates.reverse();
    return { query, statistic: stat.Stat, label: query.Label ?? identity.metricName, aggregates };
  });
  const returned = results.filter(({ query }) => query.ReturnData !== false);
  const all = returned.flatMap((result, index) => result.aggregates.map((aggregate) => ({ index, aggregate })));
  const { NextToken: _token, ...query } = request;
  const page = paginate(
    all,
    request.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS,
    request.NextToken,
    query,
    invalidNextToken,
  );
  const lastItem = page.items.at(-1);
  // Results with data points beyond this page are partial until the last page.
  const after = lastItem === undefined ? [] : all.slice(all.indexOf(lastItem) + 1);
  return {
    MetricDataResults: returned.map((result, index) => {
      const onPage = page.items.filter((item) => item.index === index).map((item) => item.aggregate);
      const more = after.some((item) => item.index === index);
      return {
        Id: result.query.Id,
        Label: result.label,
        Timestamps: onPage.map((aggregate) => aggregate.timestamp / 1000),
        Values: onPage.map((aggregate) => statisticOf(aggregate, result.statistic)),
        StatusCode: more ? 'PartialData' : 'Complete',
      };
    }),
    Messages: [],
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
}

export function getMetricStatistics(store: MetricStore, request: RequestOf<'GetMetricStatistics'>): object {
  const { start, end } = timeRange(request.StartTime, request.EndTime);
  if (request.ExtendedStatistics !== undefined) throw notSupported('ExtendedStatistics (percentiles)');
  const statistics = request.Statistics;
  if (statistics === undefined) throw missingParameter('Must specify either Statistics or ExtendedStatistics.');
  checkPeriod(request.Period, 'Period');
  const requested = periodCount({ start, end, periodSeconds: request.Period });
  if (requested > MAX_STATISTICS_DATAPOINTS) {
    throw invalidParameterCombination(
      `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_STATISTICS_DATAPOINTS}. ` +
        'You may reduce the datapoints requested by increasing Period, or decreasing the time range.',
    );
  }
  const identity = metricOf(request, 'the request');
  const aggregates = aggregateByPeriod(store.metric(identity)?.points ?? [], {
    start,
    end,
    periodSeconds: request.Period,
    unit: request.Unit,
  });
  return {
    Label: request.MetricName,
    Datapoints: aggregates.map((aggregate) => datapoint(aggregate, statistics, request.Unit)),
  };
}

export function listMetrics(store: MetricStore, request: RequestOf<'ListMetrics'>, now: Date): object {
  if (request.IncludeLinkedAccounts || request.OwningAccount !== undefined) {
    throw notSupported('Listing metrics of linked accounts');
  }
  const since = now.getTime() - (request.RecentlyActive === 'PT3H' ? RECENT_WINDOW_MS : LIST_WINDOW_MS);
  const metrics = store
    .list()
    .filter(
      (metric) =>
        (request.Namespace === undefined || metric.identity.namespace === request.Namespace) &&
        (request.MetricName === undefined || metric.identity.metricName === request.MetricName) &&
        (request.Dimensions ?? []).every((filter) =>
          metric.identity.dimensions.some(
            (dimension) =>
              dimension.name === filter.Name && (filter.Value === undefined || dimension.value === filter.Value),
          ),
        ) &&
        metric.points.some((point) => point.timestamp >= since),
    );
  const { NextToken: _token, ...query } = request;
  const page = paginate(metrics, LIST_PAGE_SIZE, request.NextToken, query, invalidNextToken);
  return { Metrics: page.items.map(describeMetric), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
}

function describeMetric({ identity }: StoredMetric) {
  return {
    Namespace: identity.namespace,
    MetricName: identity.metricName,
    Dimensions: identity.dimensions.map(({ name, value }) => ({ Name: name, Value: value })),
  };
}

function datapoint(aggregate: PeriodAggregate, statistics: readonly string[], unit: string | undefined) {
  const wanted = (name: string) => statistics.includes(name);
  return {
    Timestamp: aggregate.timestamp / 1000,
    ...(wanted('SampleCount') ? { SampleCount: statisticOf(aggregate, 'SampleCount') } : {}),
    ...(wanted('Average') ? { Average: statisticOf(aggregate, 'Average') } : {}),
    ...(wanted('Sum') ? { Sum: statisticOf(aggregate, 'Sum') } : {}),
    ...(wanted('Minimum') ? { Minimum: statisticOf(aggregate, 'Minimum') } : {}),
    ...(wanted('Maximum') ? { Maximum: statisticOf(aggregate, 'Maximum') } : {}),
    Unit: unit ?? aggregate.unit ?? 'None',
  };
}

function timeRange(startSeconds: number, endSeconds: number): { start: number; end: number } {
  const start = Math.round(startSeconds * 1000);
  const end = Math.round(endSeconds * 1000);
  if (start >= end) throw invalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
  return { start, end };
}

/** 1, 5, 10, 20, 30, or a multiple of 60 seconds. */
function checkPeriod(period: number, at: string): void {
  if (![1, 5, 10, 20, 30].includes(period) && period % 60 !== 0) {
    throw invalidParameterValue(`The parameter ${at} must be 1, 5, 10, 20, 30, or a multiple of 60.`);
  }
}

function metricOf(
  metric: { Namespace?: string; MetricName?: string; Dimensions?: readonly { Name: string; Value: string }[] },
  at: string,
): MetricIdentity {
  if (metric.Namespace === undefined) throw missingParameter(`The parameter Namespace of ${at} is required.`);
  if (metric.MetricName === undefined) throw missingParameter(`The parameter MetricName of ${at} is required.`);
  return {
    namespace: metric.Namespace,
    metricName: metric.MetricName,
    dimensions: (metric.Dimensions ?? []).map(({ Name, Value }) => ({ name: Name, value: Value })),
  };
}
