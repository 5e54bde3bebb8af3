import { allowedAlphabets, generatePassword, type PasswordPolicy } from '../shared/password';
import { RANDOM_DEFAULT_POLICY } from './password-defaults';
import type { SecretVersion } from '../shared/secret-store';
import { InvalidSecretValueError, InvalidStrategyOptionError, PendingCredentialRejectedError } from './errors';
import { settled } from '../shared/settled';
import { parseJsonObject } from './json-value';
import type { RotationStrategy, RotationVersions, StrategyContext, VerifyResult } from './strategy';
import { OptionTag, passwordPolicyFromTags, tagValue } from './tag-options';

interface RandomOptions {
  readonly policy: PasswordPolicy;
  /** JSON fields to regenerate; undefined for a plain-string secret. */
  readonly fields: readonly string[] | undefined;
  readonly prefix: string;
}

function optionsFromTags(tags: Readonly<Record<string, string>>): RandomOptions {
  const fieldsTag = tagValue(tags, OptionTag.fields);
  const fields = fieldsTag?.split(/\s+/).filter(Boolean);
  if (fields !== undefined && fields.length === 0) {
    throw new InvalidStrategyOptionError(`tag ${OptionTag.fields} is empty: name the JSON fields to regenerate`);
  }
  return {
    policy: passwordPolicyFromTags(tags, RANDOM_DEFAULT_POLICY),
    fields,
    prefix: tagValue(tags, OptionTag.prefix) ?? '',
  };
}

function newRandomValue(options: RandomOptions): string {
  return options.prefix + generatePassword(options.policy);
}

/** Why a value could not have come from the options, or undefined when it could. */
function policyViolation(value: string, options: RandomOptions): string | undefined {
  if (!value.startsWith(options.prefix)) return 'it lacks the configured prefix';
  const body = value.slice(options.prefix.length);
  const length = options.policy.length ?? RANDOM_DEFAULT_POLICY.length;
  if (body.length !== length) return `its length is ${body.length}, the policy says ${String(length)}`;
  const alphabets = allowedAlphabets(options.policy);
  const allowed = new Set(alphabets.join(''));
  if (Array.from(body).some((c) => !allowed.has(c))) return 'it holds a character the policy excludes';
  const requireEach = options.policy.requireEachIncludedType ?? true;
  if (requireEach && alphabets.some((alphabet) => !Array.from(body).some((c) => alphabet.includes(c)))) {
    return 'it lacks a character class the policy requires';
  }
  return undefined;
}

/** The values the policy regenerates, by field ('' for a plain-string secret). */
function rotatedParts(value: string, options: RandomOptions, versionLabel: string): Map<string, string> {
  if (options.fields === undefined) {
    if (looksLikeJsonObject(value)) {
      throw new InvalidSecretValueError(
        `the ${versionLabel} value is a JSON object: tag ${OptionTag.fields} must name the fields to regenerate`,
      );
    }
    return new Map([['', value]]);
  }
  const object = parseJsonObject(value, versionLabel);
  return new Map(
    options.fields.map((field) => {
      const fieldValue = object[field];
      if (typeof fieldValue !== 'string') {
        throw new InvalidSecretValueError(
          `field "${field}" named by ${OptionTag.fields} is ${fieldValue === undefined ? 'missing from' : 'not a string in'} the ${versionLabel} value`,
        );
      }
      return [field, fieldValue];
    }),
  );
}

function looksLikeJsonObject(value: string): boolean {
  if (!value.trimStart().startsWith('{')) return false;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

function checkValue(value: string, options: RandomOptions, versionLabel: string): VerifyResult {
  for (const [field, part] of rotatedParts(value, options, versionLabel)) {
    const violation = policyViolation(part, options);
    if (violation)
      return {
        ok: false,
        failure: 'rejected',
        reason: `${field ? `field "${field}"` : 'the value'} is invalid: ${violation}`,
      };
  }
  return { ok: true };
}

function pendingValue(current: SecretVersion, ctx: StrategyContext): string {
  const options = optionsFromTags(ctx.tags);
  if (options.fields === undefined) {
    rotatedParts(current.value, options, 'current');
    return newRandomValue(options);
  }
  const object = parseJsonObject(current.value, 'current');
  rotatedParts(current.value, options, 'current');
  for (const field of options.fields) object[field] = newRandomValue(options);
  return JSON.stringify(object);
}

function checkPending({ pending, current }: RotationVersions, ctx: StrategyContext): void {
  const options = optionsFromTags(ctx.tags);
  const result = checkValue(pending.value, options, 'pending');
  if (!result.ok) throw new PendingCredentialRejectedError(`pending value rejected: ${result.reason}`);
  if (options.fields === undefined) return;
  const before = parseJsonObject(current.value, 'current');
  const after = parseJsonObject(pending.value, 'pending');
  const rotated = new Set(options.fields);
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (key) => !rotated.has(key) && JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  );
  if (changed.length > 0) {
    throw new PendingCredentialRejectedError(`pending value changes fields it must keep: ${changed.join(', ')}`);
  }
}

/**
 * Random API keys, tokens and signing secrets. No external system holds them, so
 * setSecret has nothing to apply and revoke has nothing to revoke: consumers pick up
 * AWSCURRENT, and the grace window covers those still holding the old value.
 */
export const randomStrategy: RotationStrategy = {
  name: 'random',
  createPendingValue: (current, ctx) => settled(() => pendingValue(current, ctx)),
  setSecret: () => Promise.resolve(),
  testSecret: (versions, ctx) =>
    settled(() => {
      checkPending(versions, ctx);
    }),
  verify: (credential, ctx) => settled(() => checkValue(credential.value, optionsFromTags(ctx.tags), 'verified')),
  usage: () =>
    Promise.resolve({
      inUse: 'unknown' as const,
      evidence: 'random secrets have no target that reports use; consumers read AWSCURRENT',
    }),
  revoke: () =>
    Promise.resolve({
      status: 'not-applicable' as const,
      detail: 'no external system holds a random secret; the old value lives on only as AWSPREVIOUS',
    }),
};
