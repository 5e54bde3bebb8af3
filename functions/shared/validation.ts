import type * as z from 'zod/mini';

/**
 * zod issues as one sentence: the field path and what was wrong with it. zod/mini keeps
 * the Lambda bundle small but ships no messages, so they are written here from the issue
 * codes; by construction they never quote the input, which may be a secret.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root: string): string {
  return issues.map((issue) => `${issue.path.map(String).join('.') || root}: ${describeIssue(issue)}`).join('; ');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      if (issue.origin !== 'string') return `must be at least ${String(issue.minimum)}`;
      return Number(issue.minimum) === 1 ? 'must not be empty' : `must be at least ${String(issue.minimum)} characters`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${String(issue.maximum)} characters`
        : `must be at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'invalid_format':
      return `has the wrong format (${issue.format})`;
    case 'invalid_union':
      return 'has none of the accepted types';
    case 'custom':
      return issue.message || 'is invalid';
    default:
      return 'is invalid';
  }
}
