/**
 * The rotation function's own record of its last failed step, kept as a tag on the secret.
 * Secrets Manager keeps no such record where the lifecycle can read it (a failed rotation just
 * leaves AWSPENDING, as a running one does): with it, Verify fails at once with the function's
 * real error instead of waiting out its retries. Operators see it in the console too.
 */
export const ROTATION_FAILURE_TAG = 'keyturn:rotation-failure';

export interface RotationFailure {
  /** The rotation token (ClientRequestToken) of the rotation that failed. */
  readonly token: string;
  readonly step: string;
  readonly errorName: string;
  readonly at: Date;
  /** The error's message, cut to what a tag holds and to a tag's characters. */
  readonly message: string;
}

const MAX_TAG_VALUE = 256;
// Secrets Manager's tag character set: letters, digits, spaces and _ . : / = + - @
const OUTSIDE_TAG_CHARACTERS = /[^\p{L}\p{N}\s_.:/=+\-@]+/gu;

function tagText(text: string): string {
  return text.replace(OUTSIDE_TAG_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
}

/** `<token> <step> <error name> <ISO time> <message...>`: every part but the message is one word. */
export function formatRotationFailure(failure: RotationFailure): string {
  const head = [failure.token, failure.step, failure.errorName, failure.at.toISOString()].map(tagText).join(' ');
  return `${head} ${tagText(failure.message)}`.slice(0, MAX_TAG_VALUE).trim();
}

/** The record in a secret's tags, or undefined when there is none (or it cannot be read). */
export function rotationFailureOf(tags: Readonly<Record<string, string>>): RotationFailure | undefined {
  const value = tags[ROTATION_FAILURE_TAG];
  if (value === undefined) return undefined;
  const [token, step, errorName, at, ...message] = value.split(' ');
  const when = new Date(at ?? '');
  if (!token || !step || !errorName || Number.isNaN(when.getTime())) return undefined;
  return { token, step, errorName, at: when, message: message.join(' ') };
}
