import type { VersionSummary } from '../shared/secret-store';
import { AWSCURRENT } from '../shared/stages';

/**
 * Rotations given up before their value ever became AWSCURRENT. An operator unsticks a rotation by taking
 * AWSPENDING off its version (UpdateSecretVersionStage) and starting over with a new token; a value a target
 * issued for the old token (an IAM access key, a provider's API key) is then held by a version nobody reads.
 *
 * A version counts as abandoned when it is not this rotation's, holds no staging label, and was created after
 * the version AWSCURRENT is on: AWSCURRENT has not moved to a newer version since it began, so no client reading
 * AWSCURRENT was given its value. (A version that was AWSCURRENT and was rolled back keeps AWSPREVIOUS, so it
 * is not abandoned; it would lose that label only through a second manual move of AWSCURRENT to an older
 * version, which this rule cannot see.) Pure: the caller lists the versions.
 */
export interface AbandonedRotation {
  readonly versionId: string;
  readonly startedAt: Date;
}

/** The abandoned rotations among `versions` (see above), oldest first. */
export function abandonedRotations(versions: readonly VersionSummary[], token: string): AbandonedRotation[] {
  const currentSince = versions.find((v) => v.stages.includes(AWSCURRENT))?.createdAt;
  if (currentSince === undefined) return [];
  return versions
    .filter((v) => v.versionId !== token && v.stages.length === 0)
    .flatMap((v) =>
      v.createdAt !== undefined && v.createdAt.getTime() > currentSince.getTime()
        ? [{ versionId: v.versionId, startedAt: v.createdAt }]
        : [],
    )
    .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
}
