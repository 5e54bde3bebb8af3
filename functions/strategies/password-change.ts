import { InvalidSecretValueError } from './errors';
import type { RotationVersions } from './strategy';

/**
 * The current and pending values of a rotation that changes one user's password in place. A
 * pending value may change only the password: never redirect it to another server or user.
 * `sameTarget` says what must not change; `targetFields` names those fields for the message.
 */
export function parsePasswordChange<Secret extends { readonly username: string }>(
  versions: RotationVersions,
  parse: (value: string, versionLabel: string) => Secret,
  sameTarget: (a: Secret, b: Secret) => boolean,
  targetFields: string,
): { readonly pending: Secret; readonly current: Secret } {
  const current = parse(versions.current.value, 'current');
  const pending = parse(versions.pending.value, 'pending');
  if (!sameTarget(pending, current) || pending.username !== current.username) {
    throw new InvalidSecretValueError(`the pending value names another ${targetFields} or user than the current value`);
  }
  return { pending, current };
}
