import { randomInt } from 'node:crypto';
import { invalidParameter } from './errors';

/** Where the emulated service pretends to live; only used to build and recognise ARNs. */
export interface ServiceLocation {
  readonly region: string;
  readonly accountId: string;
}

const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SUFFIX_LENGTH = 6;

export function assertValidSecretName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw invalidParameter(
      'Invalid name. The name must be 1 to 512 characters long and may contain only letters, digits and the characters /_+=.@-',
    );
  }
}

/** AWS appends a hyphen and six random characters so a re-created secret never reuses an old ARN. */
export function newSecretArn(location: ServiceLocation, name: string): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += SUFFIX_ALPHABET.charAt(randomInt(SUFFIX_ALPHABET.length));
  return `${secretArnPrefix(location)}${name}-${suffix}`;
}

export function secretArnPrefix(location: ServiceLocation): string {
  return `arn:aws:secretsmanager:${location.region}:${location.accountId}:secret:`;
}

/**
 * How a SecretId names a secret. AWS accepts the name, the complete ARN, or a partial ARN
 * (the ARN without the random suffix); an ARN for another region or account names nothing here.
 */
export type SecretReference =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'arn'; readonly arn: string; readonly nameOrPartial: string }
  | { readonly kind: 'foreign-arn' };

export function parseSecretId(location: ServiceLocation, secretId: string): SecretReference {
  if (!secretId.startsWith('arn:')) return { kind: 'name', name: secretId };
  const prefix = secretArnPrefix(location);
  if (!secretId.startsWith(prefix)) return { kind: 'foreign-arn' };
  return { kind: 'arn', arn: secretId, nameOrPartial: secretId.slice(prefix.length) };
}
