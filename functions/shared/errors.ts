/**
 * Base of every error keyturn raises on purpose.
 *
 * `name` is set explicitly (not taken from the class) so it survives minification:
 * Step Functions Retry/Catch and callers match on it. Messages name the problem and
 * never carry a secret value; causes are kept only when they are known to be value-free.
 */
export abstract class KeyturnError extends Error {
  abstract override readonly name: string;
}

/** A message safe to log for any thrown value: the error's name and message, nothing else. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `non-error thrown: ${typeof error}`;
}
