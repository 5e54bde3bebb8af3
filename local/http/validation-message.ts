import type { z } from 'zod';

/**
 * AWS's wording for a request that breaks its service model's constraints, shared by the JSON
 * emulators that check requests with zod: "1 validation error detected: Value at 'entries.1.member.source'
 * failed to satisfy constraint: ...". The offending value is never repeated (it may be a secret).
 */
export function validationMessage(issues: readonly z.core.$ZodIssue[]): string {
  const described = issues.map(
    (issue) => `Value at '${awsPath(issue.path)}' failed to satisfy constraint: ${constraint(issue)}`,
  );
  const count = `${issues.length} validation error${issues.length === 1 ? '' : 's'} detected`;
  return `${count}: ${described.join('; ')}`;
}

/** AWS names members in lowerCamelCase and list items 1-based: `entries.1.member.eventBusName`. */
function awsPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment) =>
      typeof segment === 'number'
        ? `${segment + 1}.member`
        : String(segment).charAt(0).toLowerCase() + String(segment).slice(1),
    )
    .join('.');
}

/** The constraint in AWS's words. */
function constraint(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'number'
        ? `Member must have value less than or equal to ${String(issue.maximum)}`
        : `Member must have length less than or equal to ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'number'
        ? `Member must have value greater than or equal to ${String(issue.minimum)}`
        : `Member must have length greater than or equal to ${String(issue.minimum)}`;
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern
        ? `Member must satisfy regular expression pattern: ${issue.pattern}`
        : issue.message;
    case 'invalid_value':
      return `Member must satisfy enum value set: [${issue.values.map(String).join(', ')}]`;
    case 'invalid_type':
      return issue.input === undefined ? 'Member must not be null' : `Member must be of type ${issue.expected}`;
    default:
      return issue.message;
  }
}
