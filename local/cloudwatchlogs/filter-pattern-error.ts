/** A filter pattern the local CloudWatch Logs cannot read: malformed, or a form it does not support. */
export class FilterPatternError extends Error {
  override readonly name = 'FilterPatternError';
}
