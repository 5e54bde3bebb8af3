import { validationException } from './errors';

/**
 * EventBridge event patterns, the subset the local EventBridge honours: a JSON object whose
 * fields name event fields (nesting into `detail` and deeper) and whose leaves are arrays of
 * exact values (strings, numbers, booleans, null); a leaf matches when the event's value, or any
 * element of it when it is an array, equals one of them. Content filters (prefix, anything-but,
 * numeric, exists, ...) are refused with ValidationException rather than matched by a guess.
 */

type PatternValue = string | number | boolean | null;

export interface EventPattern {
  readonly [field: string]: EventPattern | readonly PatternValue[];
}

export function parseEventPattern(text: string): EventPattern {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw validationException('Event pattern is not valid. Reason: it is not valid JSON.');
  }
  return checkPattern(parsed, '');
}

function checkPattern(value: unknown, path: string): EventPattern {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw validationException(`Event pattern is not valid. Reason: ${path || 'the pattern'} must be a JSON object.`);
  }
  const entries = Object.entries(value);
  if (entries.length === 0)
    throw validationException(`Event pattern is not valid. Reason: ${path || 'the pattern'} is empty.`);
  const checked: Record<string, EventPattern | readonly PatternValue[]> = {};
  for (const [field, inner] of entries) {
    const innerPath = path ? `${path}.${field}` : field;
    if (Array.isArray(inner)) {
      if (inner.length === 0)
        throw validationException(`Event pattern is not valid. Reason: ${innerPath} is an empty array.`);
      for (const element of inner) {
        if (typeof element === 'object' && element !== null) {
          throw validationException(
            `Event pattern content filters (${innerPath}: ${JSON.stringify(element)}) are not supported by the local EventBridge; use exact values.`,
          );
        }
      }
      checked[field] = inner as PatternValue[];
    } else {
      checked[field] = checkPattern(inner, innerPath);
    }
  }
  return checked;
}

export function matchesEventPattern(pattern: EventPattern, event: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    const actual = Object.hasOwn(event, field) ? event[field] : undefined;
    if (Array.isArray(expected)) {
      const values: unknown[] = Array.isArray(actual) ? actual : [actual];
      return actual !== undefined && values.some((value) => expected.includes(value));
    }
    return (
      typeof actual === 'object' &&
      actual !== null &&
      !Array.isArray(actual) &&
      matchesEventPattern(expected as EventPattern, actual as Record<string, unknown>)
    );
  });
}
