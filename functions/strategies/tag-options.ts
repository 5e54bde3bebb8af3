import { InvalidStrategyOptionError } from './errors';
import type { PasswordPolicy } from '../shared/password';

/**
 * Strategy options travel as `keyturn:*` tags on the secret: the policy file writes them,
 * the rotation function reads them with the DescribeSecret call it makes anyway, and a
 * plain-string secret needs no room in its value for them.
 */
export const TAG_PREFIX = 'keyturn:';
export const STRATEGY_TAG = `${TAG_PREFIX}strategy`;

export function tagValue(tags: Readonly<Record<string, string>>, option: string): string | undefined {
  const value = tags[TAG_PREFIX + option];
  return value === undefined ? undefined : value.trim();
}

export function booleanTag(tags: Readonly<Record<string, string>>, option: string): boolean | undefined {
  const value = tagValue(tags, option);
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidStrategyOptionError(`tag ${TAG_PREFIX}${option} must be "true" or "false", got "${value}"`);
}

export function integerTag(tags: Readonly<Record<string, string>>, option: string): number | undefined {
  const value = tagValue(tags, option);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new InvalidStrategyOptionError(`tag ${TAG_PREFIX}${option} must be a whole number, got "${value}"`);
  }
  return Number(value);
}

/** The password policy described by the secret's tags, over a strategy's defaults. */
export function passwordPolicyFromTags(
  tags: Readonly<Record<string, string>>,
  defaults: PasswordPolicy = {},
): PasswordPolicy {
  return {
    length: integerTag(tags, 'length') ?? defaults.length,
    excludeCharacters: tagValue(tags, 'exclude-characters') ?? defaults.excludeCharacters,
    excludeNumbers: booleanTag(tags, 'exclude-numbers') ?? defaults.excludeNumbers,
    excludePunctuation: booleanTag(tags, 'exclude-punctuation') ?? defaults.excludePunctuation,
    excludeUppercase: booleanTag(tags, 'exclude-uppercase') ?? defaults.excludeUppercase,
    excludeLowercase: booleanTag(tags, 'exclude-lowercase') ?? defaults.excludeLowercase,
    includeSpace: booleanTag(tags, 'include-space') ?? defaults.includeSpace,
    requireEachIncludedType: booleanTag(tags, 'require-each-included-type') ?? defaults.requireEachIncludedType,
  };
}
