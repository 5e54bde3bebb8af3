import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  paginateListSecrets,
  paginateListSecretVersionIds,
  type SecretListEntry,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ageSecondsOf } from '../freshness-check/age';
import { assessFreshness, type FreshnessReport, managedSecretOf, tagsOf } from '../freshness-check/freshness';
import { mapBounded } from '../shared/bounded-map';
import { ManagementTag } from '../shared/management-tags';
import { AWSCURRENT, AWSPENDING } from '../shared/stages';
import { TAG_PREFIX } from '../strategies/tag-options';
import * as found from './findings';
import type { PolicySecret } from './policy-secrets';
import type { Finding, InventoryReplica, InventorySecret } from './types';

/** What the secrets' part of an inventory needs: Secrets Manager (reads only) and what to compare with. */
export interface SecretsInventoryDeps {
  readonly secretsManager: SecretsManagerClient;
  /** The policy's secret entries; undefined skips the comparisons with the policy. */
  readonly policySecrets?: readonly PolicySecret[];
  /** @default 3600 - an hour: longer than any rotation takes */
  readonly stuckPendingAfterSeconds?: number;
  /** DescribeSecret calls in flight at once. @default 8 */
  readonly concurrency?: number;
}

export interface SecretsInventory {
  readonly secrets: InventorySecret[];
  readonly findings: Finding[];
  /** The overdue assessment the freshness check's gauges and log lines come from. */
  readonly freshness: FreshnessReport;
}

export const DEFAULT_STUCK_PENDING_AFTER_SECONDS = 3600;
const DEFAULT_CONCURRENCY = 8;

/** A ListSecrets entry sorted by what the inventory does with it. */
interface Listed {
  /** Tagged keyturn:managed=true and not scheduled for deletion. */
  readonly managed: SecretListEntry[];
  /** Tagged keyturn:managed=true and scheduled for deletion. */
  readonly deleting: SecretListEntry[];
}

/**
 * The managed secrets with their findings, and the account's secrets that carry keyturn tags without being
 * managed. Reads only: ListSecrets (metadata and tags, never values), DescribeSecret and ListSecretVersionIds of
 * managed secrets.
 */
export async function inventorySecrets(deps: SecretsInventoryDeps, now: Date): Promise<SecretsInventory> {
  const findings: Finding[] = [];
  const listed = await listKeyturnTagged(deps.secretsManager, findings);
  const stuckAfter = deps.stuckPendingAfterSeconds ?? DEFAULT_STUCK_PENDING_AFTER_SECONDS;
  const described = await mapBounded(listed.managed, deps.concurrency ?? DEFAULT_CONCURRENCY, (entry) =>
    describeManaged(deps.secretsManager, entry, now, stuckAfter),
  );
  const freshness = assessFreshness(
    described.flatMap((d) => {
      const secret = managedSecretOf(d.entry);
      return secret ? [{ ...secret, rotationEnabled: d.rotationEnabled }] : [];
    }),
    now,
  );
  for (const overdue of freshness.overdue) {
    const d = described.find((x) => x.secret.arn === overdue.arn);
    if (!d) continue;
    d.findings.unshift(found.secretOverdue(d.subject, overdue.ageSeconds, overdue.maxAgeSeconds));
  }
  if (deps.policySecrets !== undefined) {
    const entryIds = new Set(deps.policySecrets.map((p) => p.entryId));
    for (const d of described) {
      if (d.secret.entryId === null || !entryIds.has(d.secret.entryId)) d.findings.push(found.notInPolicy(d.subject));
    }
    findings.push(...(await missingPolicySecrets(deps.secretsManager, deps.policySecrets, described, listed.deleting)));
  }
  const secrets = described.map((d) => ({ ...d.secret, findings: d.findings.map((f) => f.code) }));
  return { secrets, findings: [...described.flatMap((d) => d.findings), ...findings], freshness };
}

/**
 * Every secret with a tag key starting `keyturn:` (the `tag-key` filter matches prefixes), scheduled deletions
 * included. Those not managed become unmanaged-tagged findings here.
 */
async function listKeyturnTagged(client: SecretsManagerClient, findings: Finding[]): Promise<Listed> {
  const managed: SecretListEntry[] = [];
  const deleting: SecretListEntry[] = [];
  const pages = paginateListSecrets(
    { client, pageSize: 100 },
    { Filters: [{ Key: 'tag-key', Values: [TAG_PREFIX] }], IncludePlannedDeletion: true },
  );
  for await (const page of pages) {
    for (const entry of page.SecretList ?? []) {
      if (!entry.ARN) continue;
      const tags = tagsOf(entry.Tags);
      if (tags[ManagementTag.managed] === 'true') {
        (entry.DeletedDate ? deleting : managed).push(entry);
      } else if (!entry.DeletedDate) {
        const keys = Object.keys(tags).filter((key) => key.startsWith(TAG_PREFIX));
        if (keys.length > 0) findings.push(found.unmanagedTagged(entry.ARN, entry.Name ?? entry.ARN, keys.sort()));
      }
    }
  }
  return { managed, deleting };
}

interface Described {
  readonly entry: SecretListEntry;
  readonly secret: Omit<InventorySecret, 'findings'>;
  readonly subject: ReturnType<typeof found.secretSubject>;
  readonly rotationEnabled: boolean;
  readonly findings: Finding[];
}

/** One managed secret: DescribeSecret for its rotation, labels and replicas; its versions only when one is pending. */
async function describeManaged(
  client: SecretsManagerClient,
  entry: SecretListEntry,
  now: Date,
  stuckAfterSeconds: number,
): Promise<Described> {
  const arn = entry.ARN as string;
  const name = entry.Name ?? arn;
  const tags = tagsOf(entry.Tags);
  const entryId = tags[ManagementTag.entry] || null;
  const subject = found.secretSubject(arn, name, entryId);
  const findings: Finding[] = [];
  let description: DescribeSecretCommandOutput | undefined;
  try {
    description = await client.send(new DescribeSecretCommand({ SecretId: arn }));
  } catch (error) {
    findings.push(found.secretUnreadable(subject, 'DescribeSecret', errorName(error)));
  }
  // DescribeSecret is fresher than ListSecrets (eventually consistent); the list is the fallback.
  const rotationEnabled = (description?.RotationEnabled ?? entry.RotationEnabled) === true;
  const rotatedAt = description?.LastRotatedDate ?? entry.LastRotatedDate ?? entry.CreatedDate ?? new Date(0);
  const maxAge = managedSecretOf(entry)?.maxAgeSeconds;
  const replicas: InventoryReplica[] = (description?.ReplicationStatus ?? []).map((r) => ({
    region: r.Region ?? 'unknown',
    status: r.Status ?? 'unknown',
  }));
  if (!rotationEnabled) findings.push(found.rotationDisabled(subject));
  if (description) {
    findings.push(...(await stuckVersions(client, subject, description, now, stuckAfterSeconds)));
  }
  for (const replica of description?.ReplicationStatus ?? []) {
    if (replica.Status !== 'InSync') {
      findings.push(
        found.replicaOutOfSync(
          subject,
          replica.Region ?? 'unknown',
          replica.Status ?? 'unknown',
          replica.StatusMessage ?? null,
        ),
      );
    }
  }
  return {
    entry,
    subject,
    rotationEnabled,
    findings,
    secret: {
      arn,
      name,
      entryId,
      owner: tags[ManagementTag.owner] || null,
      kind: tags[`${TAG_PREFIX}strategy`] || null,
      rotationEnabled,
      lastRotatedAt: rotatedAt.toISOString(),
      nextRotationAt: rotationEnabled ? (description?.NextRotationDate?.toISOString() ?? null) : null,
      dueAt: maxAge === undefined ? null : new Date(rotatedAt.getTime() + maxAge * 1000).toISOString(),
      maxAgeSeconds: maxAge ?? null,
      ageSeconds: ageSecondsOf(rotatedAt, now),
      replicas,
    },
  };
}

/**
 * Versions holding AWSPENDING without AWSCURRENT, created longer ago than the threshold. Their creation date comes
 * from ListSecretVersionIds (DescribeSecret gives labels only); a labelled version is listed without
 * IncludeDeprecated, which only adds versions without labels.
 */
async function stuckVersions(
  client: SecretsManagerClient,
  subject: ReturnType<typeof found.secretSubject>,
  description: DescribeSecretCommandOutput,
  now: Date,
  stuckAfterSeconds: number,
): Promise<Finding[]> {
  const pending = Object.entries(description.VersionIdsToStages ?? {})
    .filter(([, stages]) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT))
    .map(([versionId]) => versionId);
  if (pending.length === 0) return [];
  const findings: Finding[] = [];
  try {
    for await (const page of paginateListSecretVersionIds({ client }, { SecretId: subject.id })) {
      for (const version of page.Versions ?? []) {
        if (!version.VersionId || !pending.includes(version.VersionId) || !version.CreatedDate) continue;
        const age = ageSecondsOf(version.CreatedDate, now);
        if (age > stuckAfterSeconds) {
          findings.push(found.stuckPending(subject, version.VersionId, version.CreatedDate, age));
        }
      }
    }
  } catch (error) {
    return [found.secretUnreadable(subject, 'ListSecretVersionIds', errorName(error))];
  }
  return findings;
}

/**
 * Policy entries whose secret is not among the managed ones (by `keyturn:entry` tag, name or ARN): scheduled for
 * deletion, present but untagged, or not in the account. The last two are told apart by ListSecrets' name filter
 * (a prefix match, deletions included), so the check needs no permission on secrets it does not manage.
 */
async function missingPolicySecrets(
  client: SecretsManagerClient,
  policySecrets: readonly PolicySecret[],
  described: readonly Described[],
  deleting: readonly SecretListEntry[],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const matches = (policy: PolicySecret, entry: SecretListEntry): boolean =>
    tagsOf(entry.Tags)[ManagementTag.entry] === policy.entryId ||
    entry.ARN === policy.secretId ||
    entry.Name === policy.secretId;
  for (const policy of policySecrets) {
    if (described.some((d) => matches(policy, d.entry))) continue;
    const doomed = deleting.find((entry) => matches(policy, entry));
    if (doomed) {
      findings.push(
        found.policySecretMissing(policy.entryId, policy.secretId, {
          kind: 'scheduled-for-deletion',
          deletedAt: doomed.DeletedDate ?? null,
        }),
      );
      continue;
    }
    const existing = await findByName(client, policy.secretId);
    findings.push(
      found.policySecretMissing(
        policy.entryId,
        policy.secretId,
        existing === undefined
          ? { kind: 'not-found' }
          : existing.DeletedDate
            ? { kind: 'scheduled-for-deletion', deletedAt: existing.DeletedDate }
            : { kind: 'not-managed', arn: existing.ARN ?? policy.secretId },
      ),
    );
  }
  return findings;
}

/** The secret a policy names (by name, or by ARN through the name in it), deletions included; undefined if none. */
async function findByName(client: SecretsManagerClient, secretId: string): Promise<SecretListEntry | undefined> {
  const name = secretNameOf(secretId);
  const pages = paginateListSecrets(
    { client, pageSize: 100 },
    { Filters: [{ Key: 'name', Values: [name] }], IncludePlannedDeletion: true },
  );
  for await (const page of pages) {
    // An ARN may be partial (without the six characters Secrets Manager appends).
    const hit = (page.SecretList ?? []).find((entry) =>
      secretId.startsWith('arn:')
        ? entry.ARN === secretId ||
          (entry.ARN?.startsWith(`${secretId}-`) === true && entry.ARN.length === secretId.length + 7)
        : entry.Name === secretId,
    );
    if (hit) return hit;
  }
  return undefined;
}

/** The name in a secret ARN (without the six random characters Secrets Manager appends), or the name itself. */
export function secretNameOf(secretId: string): string {
  const match = /^arn:[^:]+:secretsmanager:[^:]*:\d*:secret:(.+)$/.exec(secretId);
  if (!match?.[1]) return secretId;
  return match[1].replace(/-[A-Za-z0-9]{6}$/, '');
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown error';
}
