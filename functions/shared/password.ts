import { randomInt } from 'node:crypto';
import { KeyturnError } from './errors';

/**
 * What a generated password may contain. Mirrors Secrets Manager's GetRandomPassword
 * parameters so a policy written for AWS means the same thing here.
 */
export interface PasswordPolicy {
  /** @default 32 */
  readonly length?: number;
  /** Characters never used. @default '' */
  readonly excludeCharacters?: string;
  readonly excludeNumbers?: boolean;
  readonly excludePunctuation?: boolean;
  readonly excludeUppercase?: boolean;
  readonly excludeLowercase?: boolean;
  /** @default false */
  readonly includeSpace?: boolean;
  /** At least one character of every class that is not excluded. @default true */
  readonly requireEachIncludedType?: boolean;
}

export class PasswordPolicyError extends KeyturnError {
  readonly name = 'PasswordPolicyError';
}

export const MIN_PASSWORD_LENGTH = 1;
export const MAX_PASSWORD_LENGTH = 4096;
export const DEFAULT_PASSWORD_LENGTH = 32;

const CHARACTER_CLASSES = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  numbers: '0123456789',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  space: ' ',
} as const;

type CharacterClass = keyof typeof CHARACTER_CLASSES;

/** The alphabets a policy allows, one per class, with excluded characters removed. */
export function allowedAlphabets(policy: PasswordPolicy): string[] {
  const included: CharacterClass[] = [];
  if (!policy.excludeLowercase) included.push('lowercase');
  if (!policy.excludeUppercase) included.push('uppercase');
  if (!policy.excludeNumbers) included.push('numbers');
  if (!policy.excludePunctuation) included.push('punctuation');
  if (policy.includeSpace) included.push('space');
  const excluded = new Set(policy.excludeCharacters ?? '');
  return included
    .map((name) =>
      Array.from(CHARACTER_CLASSES[name])
        .filter((c) => !excluded.has(c))
        .join(''),
    )
    .filter((alphabet) => alphabet.length > 0);
}

/**
 * A password drawn uniformly (crypto.randomInt, no modulo bias) from the policy's alphabet.
 * With requireEachIncludedType, one character of every included class is placed first and
 * the whole password is then shuffled, so positions carry no information about classes.
 */
export function generatePassword(policy: PasswordPolicy = {}): string {
  const length = policy.length ?? DEFAULT_PASSWORD_LENGTH;
  if (!Number.isInteger(length) || length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw new PasswordPolicyError(
      `password length must be an integer from ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH}, got ${String(length)}`,
    );
  }
  const alphabets = allowedAlphabets(policy);
  if (alphabets.length === 0) {
    throw new PasswordPolicyError('the password policy excludes every character: nothing is left to draw from');
  }
  const requireEach = policy.requireEachIncludedType ?? true;
  if (requireEach && length < alphabets.length) {
    throw new PasswordPolicyError(
      `password length ${length} is shorter than the ${alphabets.length} character classes it must each include`,
    );
  }

  const all = alphabets.join('');
  const chars: string[] = requireEach ? alphabets.map(pick) : [];
  while (chars.length < length) chars.push(pick(all));
  shuffle(chars);
  return chars.join('');
}

function pick(alphabet: string): string {
  return alphabet[randomInt(alphabet.length)] as string;
}

function shuffle(items: string[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j] as string, items[i] as string];
  }
}
