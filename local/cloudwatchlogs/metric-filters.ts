import type { MetricStore, StandardUnit } from '../cloudwatch/metric-store';
import { invalidParameter, LogsError, resourceNotFound } from './errors';
import { parseJsonObject, matchesFilterPattern, selectJsonValue } from './filter-match';
import {
  FilterPatternError,
  hasRegex,
  parseFilterPattern,
  parseSelector,
  type FilterPattern,
  type Selector,
} from './filter-pattern';
import type { RequestOf } from './requests';
import type { LogGroup, LogsState, NewLogEvent } from './state';

/**
 * Metric filters: PutMetricFilter, DescribeMetricFilters, DeleteMetricFilter, TestMetricFilter,
 * and what PutLogEvents does with them. Every event a group's filter matches becomes a data point
 * in the shared metric store at the event's time: the metric value (a number, or a `$.field` of a
 * JSON event), with dimensions from JSON fields; an event it does not match yields the default
 * value, when there is one. An event whose value field is missing or not a number, or that lacks
 * a dimension field, yields nothing.
 */

/** CloudWatch Logs' quotas: 100 metric filters per log group, 5 of them with regular expressions. */
export const MAX_METRIC_FILTERS_PER_GROUP = 100;
export const MAX_REGEX_METRIC_FILTERS_PER_GROUP = 5;
const MAX_DIMENSIONS = 3;

export interface MetricTransformation {
  readonly metricName: string;
  readonly metricNamespace: string;
  readonly metricValue: string;
  readonly defaultValue?: number;
  readonly dimensions?: Readonly<Record<string, string>>;
  readonly unit?: StandardUnit;
}

export interface MetricFilter {
  readonly filterName: string;
  readonly filterPattern: string;
  readonly metricTransformations: readonly MetricTransformation[];
  readonly creationTime: number;
  readonly logGroupName: string;
  /** @internal the parsed pattern and the compiled value and dimension selectors */
  readonly compiled: CompiledFilter;
}

interface CompiledFilter {
  readonly pattern: FilterPattern;
  readonly value: number | Selector;
  readonly dimensions: readonly (readonly [string, Selector])[];
}

export function putMetricFilter(state: LogsState, request: RequestOf<'PutMetricFilter'>): void {
  if (request.applyOnTransformedLogs) {
    throw invalidParameter('applyOnTransformedLogs is not supported by the local CloudWatch Logs (no transformers).');
  }
  if (request.fieldSelectionCriteria !== undefined || request.emitSystemFieldDimensions !== undefined) {
    throw invalidParameter('System field dimensions are not supported by the local CloudWatch Logs.');
  }
  const group = state.group(request.logGroupName);
  const [transformation] = request.metricTransformations;
  if (!transformation) throw invalidParameter('metricTransformations must hold exactly one transformation.');
  const compiled = compile(request.filterPattern, transformation);
  const others = [...group.metricFilters.values()].filter((filter) => filter.filterName !== request.filterName);
  if (others.length >= MAX_METRIC_FILTERS_PER_GROUP) {
    throw new LogsError(
      'LimitExceededException',
      `A log group can have at most ${MAX_METRIC_FILTERS_PER_GROUP} metric filters.`,
    );
  }
  if (
    hasRegex(compiled.pattern) &&
    others.filter((filter) => hasRegex(filter.compiled.pattern)).length >= MAX_REGEX_METRIC_FILTERS_PER_GROUP
  ) {
    throw new LogsError(
      'LimitExceededException',
      `A log group can have at most ${MAX_REGEX_METRIC_FILTERS_PER_GROUP} metric filters whose patterns have regular expressions.`,
    );
  }
  // PutMetricFilter creates or replaces; a replaced filter keeps nothing of the old one.
  group.metricFilters.set(request.filterName, {
    filterName: request.filterName,
    filterPattern: request.filterPattern,
    metricTransformations: [
      {
        metricName: transformation.metricName,
        metricNamespace: transformation.metricNamespace,
        metricValue: transformation.metricValue,
        ...(transformation.defaultValue === undefined ? {} : { defaultValue: transformation.defaultValue }),
        ...(transformation.dimensions === undefined ? {} : { dimensions: transformation.dimensions }),
        ...(transformation.unit === undefined ? {} : { unit: transformation.unit }),
      },
    ],
    creationTime: state.now().getTime(),
    logGroupName: group.name,
    compiled,
  });
}

export function deleteMetricFilter(state: LogsState, request: RequestOf<'DeleteMetricFilter'>): void {
  const group = state.group(request.logGroupName);
  if (!group.metricFilters.delete(request.filterName)) {
    throw resourceNotFound('The specified metric filter does not exist.');
  }
}

/** Filters in log group, then filter name order, narrowed as DescribeMetricFilters asks. */
export function findMetricFilters(state: LogsState, request: RequestOf<'DescribeMetricFilters'>): MetricFilter[] {
  if (request.filterNamePrefix !== undefined && request.logGroupName === undefined) {
    throw invalidParameter('filterNamePrefix requires logGroupName.');
  }
  if ((request.metricName === undefined) !== (request.metricNamespace === undefined)) {
    throw invalidParameter('metricName and metricNamespace must be given together.');
  }
  const groups = request.logGroupName === undefined ? state.listGroups() : [state.group(request.logGroupName)];
  return groups.flatMap((group) =>
    [...group.metricFilters.values()]
      .filter(
        (filter) =>
          (request.filterNamePrefix === undefined || filter.filterName.startsWith(request.filterNamePrefix)) &&
          (request.metricName === undefined ||
            filter.metricTransformations.some(
              (t) => t.metricName === request.metricName && t.metricNamespace === request.metricNamespace,
            )),
      )
      .sort((a, b) => (a.filterName < b.filterName ? -1 : a.filterName > b.filterName ? 1 : 0)),
  );
}

export function describeMetricFilter(filter: MetricFilter) {
  return {
    filterName: filter.filterName,
    filterPattern: filter.filterPattern,
    metricTransformations: filter.metricTransformations,
    creationTime: filter.creationTime,
    logGroupName: filter.logGroupName,
    applyOnTransformedLogs: false,
  };
}

export function testMetricFilter(request: RequestOf<'TestMetricFilter'>): object {
  const pattern = readPattern(request.filterPattern);
  return {
    matches: request.logEventMessages.flatMap((message, index) =>
      matchesFilterPattern(pattern, message)
        ? [{ eventNumber: index + 1, eventMessage: message, extractedValues: {} }]
        : [],
    ),
  };
}

/** Data points for the events just stored in `group`, from each of its metric filters. */
export function publishMetricFilters(metrics: MetricStore, group: LogGroup, events: readonly NewLogEvent[]): void {
  if (group.metricFilters.size === 0) return;
  for (const event of events) {
    let document: object | undefined | null = null; // parsed on first need
    const json = () => (document === null ? (document = parseJsonObject(event.message)) : document);
    for (const filter of group.metricFilters.values()) {
      const [transformation] = filter.metricTransformations;
      if (!transformation) continue;
      const matched = matchesFilterPattern(filter.compiled.pattern, event.message);
      const point = matched
        ? matchedPoint(filter.compiled, json)
        : transformation.defaultValue === undefined
          ? undefined
          : { value: transformation.defaultValue, dimensions: {} };
      if (point === undefined) continue;
      metrics.putValue({
        namespace: transformation.metricNamespace,
        metricName: transformation.metricName,
        dimensions: point.dimensions,
        value: point.value,
        timestamp: event.timestamp,
        unit: transformation.unit ?? 'None',
      });
    }
  }
}

function matchedPoint(
  compiled: CompiledFilter,
  json: () => object | undefined,
): { value: number; dimensions: Record<string, string> } | undefined {
  let value: number;
  if (typeof compiled.value === 'number') {
    value = compiled.value;
  } else {
    const document = json();
    const field = document === undefined ? undefined : selectJsonValue(document, compiled.value);
    if (typeof field !== 'number') return undefined;
    value = field;
  }
  const dimensions: Record<string, string> = {};
  for (const [name, selector] of compiled.dimensions) {
    const document = json();
    const field = document === undefined ? undefined : selectJsonValue(document, selector);
    if (typeof field !== 'string' && typeof field !== 'number' && typeof field !== 'boolean') return undefined;
    dimensions[name] = String(field);
  }
  return { value, dimensions };
}

function compile(
  filterPattern: string,
  transformation: RequestOf<'PutMetricFilter'>['metricTransformations'][number],
): CompiledFilter {
  const pattern = readPattern(filterPattern);
  const isJson = pattern.kind === 'json';
  const value = metricValue(transformation.metricValue, isJson);
  const dimensionEntries = Object.entries(transformation.dimensions ?? {});
  if (dimensionEntries.length > MAX_DIMENSIONS) {
    throw new LogsError('LimitExceededException', `A metric filter can have at most ${MAX_DIMENSIONS} dimensions.`);
  }
  if (dimensionEntries.length > 0 && transformation.defaultValue !== undefined) {
    throw invalidParameter('A metric filter with dimensions cannot have a default value.');
  }
  const dimensions = dimensionEntries.map(([name, field]): readonly [string, Selector] => {
    const selector = isJson ? parseSelector(field) : undefined;
    if (selector === undefined) {
      throw invalidParameter(
        `Invalid dimension value for ${name}: the local CloudWatch Logs takes dimension values from the fields of a JSON filter pattern's events ($.field).`,
      );
    }
    return [name, selector];
  });
  return { pattern, value, dimensions };
}

function metricValue(text: string, isJson: boolean): number | Selector {
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return Number(text);
  const selector = isJson ? parseSelector(text) : undefined;
  if (selector === undefined) {
    throw invalidParameter(
      `Invalid metric value ${JSON.stringify(text)}: a number, or $.field of a JSON filter pattern's events (space-delimited $fields are not supported by the local CloudWatch Logs).`,
    );
  }
  return selector;
}

function readPattern(text: string): FilterPattern {
  try {
    return parseFilterPattern(text);
  } catch (error) {
    if (error instanceof FilterPatternError) throw invalidParameter(`Invalid metric filter pattern: ${error.message}.`);
    throw error;
  }
}
