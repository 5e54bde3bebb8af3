import {
  paginateListSecrets,
  type SecretListEntry,
  type SecretsManagerClient,
  type Tag,
} from '@aws-sdk/client-secrets-manager';
import { ManagementTag } from '../shared/management-tags';
import { ageSecondsOf, mostOverdueFirst, oldestAgeRatioOf } from './age';

/** What the freshness check knows of a managed secret: metadata only, never a value. */
export interface ManagedSecret {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  /** The last rotation, or the creation when the secret never rotated. */
  readonly rotatedAt: Date;
  /** From the `keyturn:max-age-seconds` tag; undefined when the schedule sets no bound. */
  readonly maxAgeSeconds?: number;
}

export interface OverdueSecret {
  readonly arn: string;
  readonly name: string;
  readonly ageSeconds: number;
  readonly maxAgeSeconds: number;
}

export interface FreshnessReport {
  readonly managed: number;
  readonly overdue: readonly OverdueSecret[];
  /** Managed secrets whose rotation is turned off: they will become overdue. */
  readonly rotationDisabled: readonly string[];
  /** The largest age ÷ allowed age over all secrets with a bound: 1 is the edge of overdue. */
  readonly oldestAgeRatio: number;
}

/** Every secret tagged `keyturn:managed`, through ListSecrets (which returns no values). */
export async function listManagedSecrets(client: SecretsManagerClient): Promise<ManagedSecret[]> {
  const secrets: ManagedSecret[] = [];
  const pages = paginateListSecrets(
    { client, pageSize: 100 },
    { Filters: [{ Key: 'tag-key', Values: [ManagementTag.managed] }] },
  );
  for await (const page of pages) {
    for (const entry of page.SecretList ?? []) {
      const secret = managedSecretOf(entry);
      if (secret) secrets.push(secret);
    }
  }
  return secrets;
}

/** A secret's tags as a record (ListSecrets and DescribeSecret give them as a list). */
export function tagsOf(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

/**
 * What the check knows of a ListSecrets entry when it is managed (`keyturn:managed` is exactly `true`; the
 * `tag-key` filter matches key prefixes), or undefined.
 */
export function managedSecretOf(entry: SecretListEntry): ManagedSecret | undefined {
  const tags = tagsOf(entry.Tags);
  if (tags[ManagementTag.managed] !== 'true' || !entry.ARN) return undefined;
  const maxAge = Number(tags[ManagementTag.maxAgeSeconds]);
  return {
    arn: entry.ARN,
    name: entry.Name ?? entry.ARN,
    rotationEnabled: entry.RotationEnabled === true,
    rotatedAt: entry.LastRotatedDate ?? entry.CreatedDate ?? new Date(0),
    maxAgeSeconds: Number.isFinite(maxAge) && maxAge > 0 ? maxAge : undefined,
  };
}

/** Which secrets are older than their policy allows. */
export function assessFreshness(secrets: readonly ManagedSecret[], now: Date): FreshnessReport {
  const aged = secrets.flatMap((secret) =>
    secret.maxAgeSeconds === undefined
      ? []
      : [
          {
            arn: secret.arn,
            name: secret.name,
            ageSeconds: ageSecondsOf(secret.rotatedAt, now),
            maxAgeSeconds: secret.maxAgeSeconds,
          },
        ],
  );
  return {
    managed: secrets.length,
    overdue: mostOverdueFirst(aged.filter((secret) => secret.ageSeconds > secret.maxAgeSeconds)),
    rotationDisabled: secrets.filter((s) => !s.rotationEnabled).map((s) => s.arn),
    oldestAgeRatio: oldestAgeRatioOf(aged),
  };
}
