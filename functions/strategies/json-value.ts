import { InvalidSecretValueError } from './errors';

/**
 * Parses a secret value that must be a JSON object. JSON.parse's own message quotes the
 * input, so it is replaced by one that says only where the problem is.
 */
export function parseJsonObject(value: string, versionLabel: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidSecretValueError(`the ${versionLabel} value is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidSecretValueError(`the ${versionLabel} value is JSON but not an object`);
  }
  return parsed as Record<string, unknown>;
}
