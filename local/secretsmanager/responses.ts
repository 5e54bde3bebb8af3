import { compact, epochSeconds, type EpochSeconds } from '../http/aws-json-values';
import type { ReadonlySecret, ReadonlySecretVersion, SecretValue } from './state';

/**
 * Response shapes with the AWS API reference's field names. Dates are epoch seconds (JSON
 * numbers), binary values base64; fields that are unset are left out, as AWS leaves them out.
 */

export { epochSeconds, type EpochSeconds } from '../http/aws-json-values';

const optionalDate = (date: Date | undefined): EpochSeconds | undefined =>
  date === undefined ? undefined : epochSeconds(date);

export function secretValueFields(value: SecretValue): { SecretString: string } | { SecretBinary: string } {
  return value.kind === 'string' ? { SecretString: value.text } : { SecretBinary: value.base64 };
}

function versionsToStages(secret: ReadonlySecret): Record<string, string[]> | undefined {
  const labelled = secret.versions.filter((version) => version.stages.length > 0);
  if (labelled.length === 0) return undefined;
  return Object.fromEntries(labelled.map((version) => [version.versionId, [...version.stages]]));
}

/**
 * The stored rules, plus AutomaticallyAfterDays derived from a `rate(N days)` schedule: AWS
 * reports the interval in days alongside the expression it came from.
 */
function rotationRulesOf(secret: ReadonlySecret): Record<string, unknown> | undefined {
  const rules = secret.rotationRules;
  if (!rules) return undefined;
  const rateInDays = rules.ScheduleExpression && /^rate\(\s*(\d+)\s+days?\s*\)$/.exec(rules.ScheduleExpression.trim());
  return compact({
    AutomaticallyAfterDays: rules.AutomaticallyAfterDays ?? (rateInDays ? Number(rateInDays[1]) : undefined),
    Duration: rules.Duration,
    ScheduleExpression: rules.ScheduleExpression,
  });
}

/** Everything DescribeSecret and a ListSecrets entry have in common. */
function secretMetadata(secret: ReadonlySecret) {
  return {
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description,
    KmsKeyId: secret.kmsKeyId,
    RotationEnabled: secret.rotationEnabled,
    RotationLambdaARN: secret.rotationLambdaArn,
    RotationRules: rotationRulesOf(secret),
    LastRotatedDate: optionalDate(secret.lastRotatedAt),
    LastChangedDate: optionalDate(secret.lastChangedAt),
    LastAccessedDate: optionalDate(secret.lastAccessedAt),
    DeletedDate: optionalDate(secret.deletedAt),
    NextRotationDate: optionalDate(secret.nextRotationAt),
    Tags: secret.tags.length > 0 ? secret.tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })) : undefined,
    CreatedDate: epochSeconds(secret.createdAt),
    OwningService: secret.owningService,
    // Shown for replicated secrets and their replicas (a replica's primary region).
    PrimaryRegion: secret.primaryRegion ?? (secret.replicas?.length ? primaryRegionOf(secret.arn) : undefined),
  };
}

export function describeSecretResponse(secret: ReadonlySecret) {
  return compact({
    ...secretMetadata(secret),
    VersionIdsToStages: versionsToStages(secret),
    ReplicationStatus: replicationStatusOf(secret),
  });
}

/** DescribeSecret's, CreateSecret's and the replication calls' ReplicationStatus: one entry per replica; undefined without. */
export function replicationStatusOf(secret: ReadonlySecret) {
  if (!secret.replicas || secret.replicas.length === 0) return undefined;
  return secret.replicas.map((replica) =>
    compact({
      Region: replica.region,
      KmsKeyId: replica.kmsKeyId,
      Status: replica.status,
      StatusMessage: replica.statusMessage,
      LastAccessedDate: optionalDate(replica.lastAccessedAt),
    }),
  );
}

function primaryRegionOf(arn: string): string | undefined {
  return arn.split(':')[3];
}

export function secretListEntry(secret: ReadonlySecret) {
  return compact({ ...secretMetadata(secret), SecretVersionsToStages: versionsToStages(secret) });
}

export function secretValueEntry(secret: ReadonlySecret, version: ReadonlySecretVersion) {
  if (version.value === undefined) throw new Error('a version without a value has no value entry');
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    ...secretValueFields(version.value),
    VersionStages: [...version.stages],
    CreatedDate: epochSeconds(version.createdAt),
  };
}

export function versionListEntry(version: ReadonlySecretVersion) {
  return compact({
    VersionId: version.versionId,
    VersionStages: version.stages.length > 0 ? [...version.stages] : undefined,
    LastAccessedDate: optionalDate(version.lastAccessedAt),
    CreatedDate: epochSeconds(version.createdAt),
  });
}
