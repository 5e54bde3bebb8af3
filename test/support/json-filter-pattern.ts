import { matchesFilterPattern, parseFilterPattern } from '../../local/cloudwatchlogs';

/**
 * Whether a CloudWatch Logs JSON filter pattern (`{ $.a = v && $.b = "w*" }`) accepts the JSON log event `event`,
 * read by the local CloudWatch Logs' filter-pattern reader, so a metric filter's pattern reads the same in a test as
 * in the local FilterLogEvents. Forms that reader does not support are refused (FilterPatternError) rather than
 * guessed, so a changed pattern fails its test loudly; patterns that are not JSON patterns are refused here too.
 */
export function matchesJsonFilterPattern(pattern: string, event: unknown): boolean {
  const parsed = parseFilterPattern(pattern);
  if (parsed.kind !== 'json') throw new Error(`not a JSON filter pattern: ${pattern}`);
  return matchesFilterPattern(parsed, JSON.stringify(event));
}
