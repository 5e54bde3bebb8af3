import type { SecretVersion } from '../shared/secret-store';
import type { RotationVersions } from './strategy';

/**
 * The credentials to try, in order, to reach a target whose password may be any of them:
 * current, previous, then every unlabelled version, newest first. The unlabelled ones recover
 * a rotation whose setSecret ran but whose labels were cleaned up by hand, however many times
 * an operator cleared AWSPENDING and started over before the target came back.
 */
export async function* credentialCandidates(versions: RotationVersions): AsyncGenerator<SecretVersion> {
  yield versions.current;
  if (versions.previous) yield versions.previous;
  yield* versions.older();
}

/** Names the versions a search tried, for its error message: ids and labels, never values. */
export function describeTriedVersions(tried: readonly SecretVersion[]): string {
  if (tried.length === 0) return 'no stored version names this user on this server';
  const shown = tried
    .slice(0, 12)
    .map((v) => (v.stages.length > 0 ? `${v.versionId} (${v.stages.join(', ')})` : v.versionId));
  const more = tried.length > shown.length ? ` and ${tried.length - shown.length} more` : '';
  return `tried ${tried.length} version(s): ${shown.join(', ')}${more}`;
}
