import type { SecretVersion } from '../shared/secret-store';
import type { RotationVersions } from './strategy';

/** How many unlabelled versions to try when no labelled one is accepted. */
const OLDER_VERSIONS_TO_TRY = 3;

/**
 * The credentials to try, in order, to reach a target whose password may be any of them:
 * current, previous, then the newest older versions. The older ones recover a rotation
 * whose setSecret ran but whose labels were then cleaned up by hand.
 */
export async function* credentialCandidates(versions: RotationVersions): AsyncGenerator<SecretVersion> {
  yield versions.current;
  if (versions.previous) yield versions.previous;
  yield* await versions.older(OLDER_VERSIONS_TO_TRY);
}
