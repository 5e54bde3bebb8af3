import type { PasswordPolicy } from '../shared/password';
import { InvalidStrategyOptionError } from './errors';

/**
 * Strategy options travel as `keyturn:*` tags on the secret: the policy file writes them
 * (infra/policy/strategy-tags.ts), the rotation function reads them with the DescribeSecret
 * call it makes anyway, and a plain-string secret needs no room in its value for them.
 * Both sides use the names below, so they cannot drift.
 */
export const TAG_PREFIX = 'keyturn:';

/** The option tags, by option: `OptionTag.length` is `keyturn:length`. */
export const OptionTag = {
  strategy: `${TAG_PREFIX}strategy`,
  length: `${TAG_PREFIX}length`,
  excludeCharacters: `${TAG_PREFIX}exclude-characters`,
  /** Base64 of the excluded characters, for sets a tag value cannot hold (tags allow letters, digits, spaces and `_.:/=+-@`). */
  excludeCharactersBase64: `${TAG_PREFIX}exclude-characters-base64`,
  excludeNumbers: `${TAG_PREFIX}exclude-numbers`,
  excludePunctuation: `${TAG_PREFIX}exclude-punctuation`,
  excludeUppercase: `${TAG_PREFIX}exclude-uppercase`,
  excludeLowercase: `${TAG_PREFIX}exclude-lowercase`,
  includeSpace: `${TAG_PREFIX}include-space`,
  requireEachIncludedType: `${TAG_PREFIX}require-each-included-type`,
  /** Space-separated JSON fields a random secret regenerates. */
  fields: `${TAG_PREFIX}fields`,
  prefix: `${TAG_PREFIX}prefix`,
  /** http-api-key: the provider (a preset's name, or a custom spec's in KEYTURN_HTTP_PROVIDERS). */
  httpProvider: `${TAG_PREFIX}http-provider`,
  /** http-api-key: another base URL for the provider (a region), on one of its allowed hosts. */
  httpBaseUrl: `${TAG_PREFIX}http-base-url`,
  /** http-api-key: the ARN of the secret holding the admin credential that mints and revokes keys. */
  httpAdminSecret: `${TAG_PREFIX}http-admin-secret`,
} as const;

export const STRATEGY_TAG = OptionTag.strategy;

type Tags = Readonly<Record<string, string>>;

export function tagValue(tags: Tags, tag: string): string | undefined {
  const value = tags[tag];
  return value === undefined ? undefined : value.trim();
}

export function booleanTag(tags: Tags, tag: string): boolean | undefined {
  const value = tagValue(tags, tag);
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidStrategyOptionError(`tag ${tag} must be "true" or "false", got "${value}"`);
}

export function integerTag(tags: Tags, tag: string): number | undefined {
  const value = tagValue(tags, tag);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new InvalidStrategyOptionError(`tag ${tag} must be a whole number, got "${value}"`);
  }
  return Number(value);
}

function excludedCharacters(tags: Tags): string | undefined {
  const literal = tags[OptionTag.excludeCharacters]; // not trimmed: a space may be excluded
  const encoded = tagValue(tags, OptionTag.excludeCharactersBase64);
  if (literal !== undefined && encoded !== undefined) {
    throw new InvalidStrategyOptionError(
      `tags ${OptionTag.excludeCharacters} and ${OptionTag.excludeCharactersBase64} are both set: keep one`,
    );
  }
  if (encoded === undefined) return literal;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
    throw new InvalidStrategyOptionError(`tag ${OptionTag.excludeCharactersBase64} is not base64`);
  }
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** The password policy described by the secret's tags, over a strategy's defaults. */
export function passwordPolicyFromTags(tags: Tags, defaults: PasswordPolicy = {}): PasswordPolicy {
  return {
    length: integerTag(tags, OptionTag.length) ?? defaults.length,
    excludeCharacters: excludedCharacters(tags) ?? defaults.excludeCharacters,
    excludeNumbers: booleanTag(tags, OptionTag.excludeNumbers) ?? defaults.excludeNumbers,
    excludePunctuation: booleanTag(tags, OptionTag.excludePunctuation) ?? defaults.excludePunctuation,
    excludeUppercase: booleanTag(tags, OptionTag.excludeUppercase) ?? defaults.excludeUppercase,
    excludeLowercase: booleanTag(tags, OptionTag.excludeLowercase) ?? defaults.excludeLowercase,
    includeSpace: booleanTag(tags, OptionTag.includeSpace) ?? defaults.includeSpace,
    requireEachIncludedType: booleanTag(tags, OptionTag.requireEachIncludedType) ?? defaults.requireEachIncludedType,
  };
}
