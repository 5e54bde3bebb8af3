import { randomBytes, randomInt } from 'node:crypto';

/**
 * Identifiers shaped like AWS's, from node:crypto: a four-letter prefix naming the kind (AKIA a
 * long-term access key, ASIA a temporary one, AIDA a user, AROA a role) and upper-case base32
 * characters; secret access keys of 40 base64 characters; opaque session tokens.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += BASE32.charAt(randomInt(BASE32.length));
  return text;
}

/** AKIA + 16: a long-term access key id (20 characters, as IAM issues them). */
export const newAccessKeyId = () => `AKIA${base32(16)}`;
/** ASIA + 16: the access key id of temporary credentials from STS. */
export const newTemporaryAccessKeyId = () => `ASIA${base32(16)}`;
/** AIDA + 17: a user's unique id. */
export const newUserId = () => `AIDA${base32(17)}`;
/** AROA + 17: a role's unique id. */
export const newRoleId = () => `AROA${base32(17)}`;
/** 40 characters from 30 random bytes. */
export const newSecretAccessKey = () => randomBytes(30).toString('base64');
/** An opaque token for temporary credentials. */
export const newSessionToken = () => randomBytes(180).toString('base64');
