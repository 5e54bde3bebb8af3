import { invalidParameterCombination, invalidParameterValue, missingParameter, notSupported } from './errors';
import type { DataPoint, MetricIdentity, MetricStore, StatisticSet } from './metric-store';
import type { RequestOf } from './requests';

/**
 * PutMetricData as the API reference documents it: up to 1,000 metrics per request, each with one
 * of Value, Values (up to 150, with Counts of the same length) or StatisticValues; values within
 * ±2^360 and never NaN or ±Infinity; timestamps at most two weeks old and two hours ahead;
 * StorageResolution 1 or 60; no `AWS/` namespace. Any broken rule fails the whole request and
 * stores nothing.
 */

const HOUR_MS = 60 * 60 * 1000;
export const MAX_PAST_MS = 14 * 24 * HOUR_MS;
export const MAX_FUTURE_MS = 2 * HOUR_MS;
export const MAX_VALUES_PER_DATUM = 150;
const LIMIT = 2 ** 360;

type Datum = NonNullable<RequestOf<'PutMetricData'>['MetricData']>[number];
type Double = NonNullable<Datum['Value']>;

export function putMetricData(store: MetricStore, request: RequestOf<'PutMetricData'>, now: Date): object {
  if (request.EntityMetricData !== undefined) throw notSupported('EntityMetricData');
  if (request.MetricData === undefined) throw missingParameter('The parameter MetricData is required.');
  if (request.Namespace.startsWith('AWS/')) {
    throw invalidParameterValue(`The value ${request.Namespace} for parameter Namespace is invalid.`);
  }
  const accepted = request.MetricData.map((datum, index) =>
    checkedDatum(request.Namespace, datum, `MetricData.member.${index + 1}`, now.getTime()),
  );
  for (const { identity, point } of accepted) store.record(identity, point);
  return {};
}

function checkedDatum(
  namespace: string,
  datum: Datum,
  at: string,
  now: number,
): { identity: MetricIdentity; point: DataPoint } {
  const dimensionNames = (datum.Dimensions ?? []).map((dimension) => dimension.Name);
  const repeated = dimensionNames.find((name, index) => dimensionNames.indexOf(name) !== index);
  if (repeated !== undefined) {
    throw invalidParameterValue(`The dimension name ${repeated} appears more than once in ${at}.Dimensions.`);
  }
  const timestamp = datum.Timestamp === undefined ? now : Math.round(datum.Timestamp * 1000);
  if (timestamp < now - MAX_PAST_MS) {
    throw invalidParameterValue(
      `The parameter ${at}.Timestamp must specify a time no more than two weeks in the past.`,
    );
  }
  if (timestamp > now + MAX_FUTURE_MS) {
    throw invalidParameterValue(
      `The parameter ${at}.Timestamp must specify a time no more than two hours in the future.`,
    );
  }
  if (datum.StorageResolution !== undefined && datum.StorageResolution !== 1 && datum.StorageResolution !== 60) {
    throw invalidParameterValue(
      `The value ${datum.StorageResolution} for parameter ${at}.StorageResolution is invalid.`,
    );
  }
  return {
    identity: {
      namespace,
      metricName: datum.MetricName,
      dimensions: (datum.Dimensions ?? []).map(({ Name, Value }) => ({ name: Name, value: Value })),
    },
    point: { timestamp, unit: datum.Unit ?? 'None', ...statisticSet(datum, at) },
  };
}

function statisticSet(datum: Datum, at: string): StatisticSet {
  const given = (['Value', 'Values', 'StatisticValues'] as const).filter((member) => datum[member] !== undefined);
  if (given.length > 1) {
    throw invalidParameterCombination(
      `The parameters ${given.map((member) => `${at}.${member}`).join(' and ')} are mutually exclusive and you have specified more than one.`,
    );
  }
  if (datum.Counts !== undefined && datum.Values === undefined) {
    throw invalidParameterCombination(`The parameter ${at}.Counts may only be given with ${at}.Values.`);
  }
  if (datum.Value !== undefined) {
    const value = finite(datum.Value, `${at}.Value`);
    return { sampleCount: 1, sum: value, minimum: value, maximum: value };
  }
  if (datum.Values !== undefined) return valuesAndCounts(datum.Values, datum.Counts, at);
  if (datum.StatisticValues !== undefined) {
    const statistics = datum.StatisticValues;
    const set = {
      sampleCount: finite(statistics.SampleCount, `${at}.StatisticValues.SampleCount`),
      sum: finite(statistics.Sum, `${at}.StatisticValues.Sum`),
      minimum: finite(statistics.Minimum, `${at}.StatisticValues.Minimum`),
      maximum: finite(statistics.Maximum, `${at}.StatisticValues.Maximum`),
    };
    if (set.sampleCount <= 0) {
      throw invalidParameterValue(`The parameter ${at}.StatisticValues.SampleCount must be greater than 0.`);
    }
    if (set.minimum > set.maximum) {
      throw invalidParameterValue(
        `The parameter ${at}.StatisticValues.Minimum must be less than or equal to ${at}.StatisticValues.Maximum.`,
      );
    }
    return set;
  }
  throw missingParameter(`The parameter ${at} must specify one of Value, Values or StatisticValues.`);
}

function valuesAndCounts(values: readonly Double[], counts: readonly Double[] | undefined, at: string): StatisticSet {
  if (values.length === 0) throw invalidParameterValue(`The parameter ${at}.Values must not be empty.`);
  if (values.length > MAX_VALUES_PER_DATUM) {
    throw invalidParameterValue(`The parameter ${at}.Values must contain at most ${MAX_VALUES_PER_DATUM} values.`);
  }
  if (counts !== undefined && counts.length !== values.length) {
    throw invalidParameterValue(`The parameters ${at}.Values and ${at}.Counts must be of the same size.`);
  }
  let set: StatisticSet | undefined;
  values.forEach((raw, index) => {
    const value = finite(raw, `${at}.Values.member.${index + 1}`);
    const count = counts === undefined ? 1 : finite(counts[index] ?? 1, `${at}.Counts.member.${index + 1}`);
    if (count < 0) throw invalidParameterValue(`The parameter ${at}.Counts.member.${index + 1} must not be negative.`);
    set =
      set === undefined
        ? { sampleCount: count, sum: value * count, minimum: value, maximum: value }
        : {
            sampleCount: set.sampleCount + count,
            sum: set.sum + value * count,
            minimum: Math.min(set.minimum, value),
            maximum: Math.max(set.maximum, value),
          };
  });
  if (set === undefined) throw invalidParameterValue(`The parameter ${at}.Values must not be empty.`);
  return set;
}

/** A number CloudWatch keeps: not NaN, not infinite, within ±2^360. */
function finite(value: Double, at: string): number {
  if (typeof value !== 'number' || Math.abs(value) > LIMIT) {
    throw invalidParameterValue(`The value ${String(value)} for parameter ${at} is invalid.`);
  }
  return value;
}
