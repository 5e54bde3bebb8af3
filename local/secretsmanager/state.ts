import { randomUUID } from 'node:crypto';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../../functions/shared/stages';
import { assertValidSecretName, newSecretArn, parseSecretId, secretArnPrefix, type ServiceLocation } from './arn';
import { invalidParameter, invalidRequest, limitExceeded, resourceExists, resourceNotFound } from './errors';
import {
  nextRotationDate,
  ScheduleExpressionError,
  startOfUtcDay,
  validateRotationRules,
  type RotationRulesInput,
} from '../../functions/shared/rotation-schedule';

/**
 * The in-memory model of Secrets Manager: secrets, versions, staging labels, tags, rotation
 * configuration and scheduled deletion, with AWS's rules, independent of HTTP.
 * Every method takes a SecretId as AWS does (name, ARN or partial ARN) and throws
 * AwsServiceError with the exception AWS would answer with.
 */

export const MAX_VERSIONS_PER_SECRET = 100;
export const MAX_STAGING_LABELS_PER_SECRET = 20;
export const MAX_TAGS_PER_SECRET = 50;
export const MAX_SECRET_VALUE_BYTES = 65_536;
export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
/** AWS never removes a deprecated version younger than this, even past the version quota. */
const DEPRECATED_VERSION_MIN_AGE_MS = 24 * 3_600_000;
const DAY_MS = 86_400_000;

/** A secret value as stored: text, or binary kept in its base64 wire form. */
export type SecretValue =
  { readonly kind: 'string'; readonly text: string } | { readonly kind: 'binary'; readonly base64: string };

export interface Tag {
  Key: string;
  Value: string;
}

export interface StoredRotationRules {
  AutomaticallyAfterDays?: number;
  Duration?: string;
  ScheduleExpression?: string;
}

export interface SecretVersion {
  versionId: string;
  /** Absent on the placeholder RotateSecret creates before the rotation function's createSecret step. */
  value?: SecretValue;
  stages: string[];
  createdAt: Date;
  lastAccessedAt?: Date;
}

export interface Secret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  /** Oldest first. */
  versions: SecretVersion[];
  createdAt: Date;
  lastChangedAt: Date;
  /** Day precision, as AWS reports it. */
  lastAccessedAt?: Date;
  lastRotatedAt?: Date;
  nextRotationAt?: Date;
  /** Undefined until rotation is first configured: DescribeSecret then omits RotationEnabled. */
  rotationEnabled?: boolean;
  rotationLambdaArn?: string;
  rotationRules?: StoredRotationRules;
  /** When DeleteSecret was called; set while the secret waits out its recovery window. */
  deletedAt?: Date;
  deletionScheduledFor?: Date;
  /** The AWS service that manages the secret (`rds` for `rds!...` master secrets): DescribeSecret's OwningService. */
  owningService?: string;
  /** Replicas in other regions (CreateSecret's AddReplicaRegions, ReplicateSecretToRegions), copied by replication.ts. */
  replicas?: SecretReplica[];
  /** Set on a replica (a read-only copy held in another region's model): its primary's region. */
  primaryRegion?: string;
}

/** One replica of a primary secret, as ReplicationStatus reports it (kept up to date by replication.ts). */
export interface SecretReplica {
  region: string;
  kmsKeyId?: string;
  /** `InProgress` until the replica holds the primary's latest state (after the replication lag), then `InSync`. */
  status: ReplicaStatus;
  statusMessage?: string;
  /** Replication stopped at the status a test set (`Failed`, or a stalled `InProgress`) until it sets `InSync`. */
  held?: boolean;
  /** ForceOverwriteReplicaSecret: a secret of the same name in the region is replaced by the replica. */
  forceOverwrite?: boolean;
  /** When the replica was last read in its region (day precision), copied from the replica by replication.ts. */
  lastAccessedAt?: Date;
}

export const REPLICA_STATUSES = ['InSync', 'InProgress', 'Failed'] as const;
export type ReplicaStatus = (typeof REPLICA_STATUSES)[number];

export type DeepReadonly<T> = T extends Date
  ? Date
  : T extends readonly (infer E)[]
    ? readonly DeepReadonly<E>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

export type ReadonlySecret = DeepReadonly<Secret>;
export type ReadonlySecretVersion = DeepReadonly<SecretVersion>;

export interface SecretsManagerStateOptions {
  readonly location: ServiceLocation;
  readonly now?: () => Date;
  /** Called after every change to the model, e.g. to persist a snapshot. */
  readonly onChange?: () => void;
}

export interface ReplicaRegionInput {
  readonly region: string;
  readonly kmsKeyId?: string | undefined;
}

/** AWS's answer to any change of a replica (PutSecretValue, UpdateSecretVersionStage, DeleteSecret, ...). */
export const NOT_ON_REPLICA_MESSAGE =
  "Operation not permitted on a replica secret. Call must be made in primary secret's region.";
const notOnReplica = () => invalidParameter(NOT_ON_REPLICA_MESSAGE);

export interface CreateSecretInput {
  readonly name: string;
  readonly clientRequestToken?: string | undefined;
  readonly description?: string | undefined;
  readonly kmsKeyId?: string | undefined;
  readonly value?: SecretValue | undefined;
  readonly tags?: readonly Tag[] | undefined;
  /** AddReplicaRegions: each region once, none the secret's own. */
  readonly replicaRegions?: readonly ReplicaRegionInput[] | undefined;
  /** ForceOverwriteReplicaSecret. */
  readonly forceOverwriteReplicas?: boolean | undefined;
}

/** A secret another AWS service creates and manages (RDS's `rds!db-...` master secrets). */
export interface ServiceOwnedSecretInput {
  /** `rds`, ... */
  readonly owningService: string;
  /** @default `<owningService>!db-<uuid>`, as RDS names the master secrets it creates */
  readonly name?: string;
  readonly value: string;
  readonly description?: string;
  /** Service tags such as `aws:rds:primaryDBInstanceArn` are allowed here (users cannot set `aws:` tags). */
  readonly tags?: readonly Tag[];
  /** Managed rotation as the service configures it; only reported, never run. @default { AutomaticallyAfterDays: 7 } */
  readonly rotationRules?: StoredRotationRules;
}

export const OWNING_SERVICE_TAG = 'aws:secretsmanager:owningService';

/**
 * One staging label attached to or detached from a version: the model's own record of how labels
 * moved (AWS shows it only in CloudTrail), so a test can tell which versions ever held AWSCURRENT
 * without trusting the code that moved the labels.
 */
export interface LabelChange {
  readonly secretArn: string;
  readonly versionId: string;
  readonly label: string;
  readonly change: 'attached' | 'detached';
  readonly at: Date;
}
/** A service-owned secret's name: the service's prefix, `!`, then what a user's name may hold. */
const SERVICE_OWNED_NAME = /^([a-z0-9-]+)![A-Za-z0-9/_+=.@-]{1,500}$/;

export interface PutSecretValueInput {
  readonly clientRequestToken: string;
  readonly value: SecretValue;
  readonly versionStages?: readonly string[] | undefined;
}

export interface UpdateSecretInput {
  readonly clientRequestToken?: string | undefined;
  readonly description?: string | undefined;
  readonly kmsKeyId?: string | undefined;
  readonly value?: SecretValue | undefined;
}

export interface UpdateVersionStageInput {
  readonly versionStage: string;
  readonly removeFromVersionId?: string | undefined;
  readonly moveToVersionId?: string | undefined;
}

export interface VersionSelector {
  readonly versionId?: string | undefined;
  readonly versionStage?: string | undefined;
}

export interface DeleteSecretInput {
  readonly recoveryWindowInDays?: number | undefined;
  readonly forceDeleteWithoutRecovery?: boolean | undefined;
}

export interface BeginRotationInput {
  readonly clientRequestToken: string;
  readonly rotationLambdaArn?: string | undefined;
  readonly rotationRules?: RotationRulesInput | undefined;
  readonly rotateImmediately?: boolean | undefined;
}

/** What the rotation runner needs to drive the rotation function after RotateSecret returns. */
export interface RotationPlan {
  readonly secretArn: string;
  readonly secretName: string;
  readonly clientRequestToken: string;
  readonly rotationLambdaArn: string;
  /** `test-only`: RotateImmediately=false, only testSecret runs, against a temporary AWSPENDING copy of the current value. */
  readonly mode: 'rotate' | 'test-only';
  /** True when this call created the AWSPENDING placeholder (false when re-running a rotation with its token). */
  readonly createdPlaceholder: boolean;
}

export function secretValuesEqual(a: SecretValue | undefined, b: SecretValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind === 'string' && b.kind === 'string') return a.text === b.text;
  if (a.kind === 'binary' && b.kind === 'binary') return a.base64 === b.base64;
  return false;
}

function secretValueBytes(value: SecretValue): number {
  return value.kind === 'string' ? Buffer.byteLength(value.text, 'utf8') : Buffer.from(value.base64, 'base64').length;
}

export class SecretsManagerState {
  readonly location: ServiceLocation;
  private readonly now: () => Date;
  private readonly onChange: () => void;
  private readonly secrets = new Map<string, Secret>();
  /** Every label change, per secret ARN, oldest first; kept after the secret is deleted. */
  private readonly labelJournal = new Map<string, LabelChange[]>();

  constructor(options: SecretsManagerStateOptions) {
    this.location = options.location;
    this.now = options.now ?? (() => new Date());
    this.onChange = options.onChange ?? (() => undefined);
  }

  // ---------------------------------------------------------------- lookup

  /** Resolves a SecretId the way AWS does: complete ARN, partial ARN (no suffix), or name. */
  private find(secretId: string): Secret | undefined {
    this.purgeExpiredDeletions();
    const reference = parseSecretId(this.location, secretId);
    switch (reference.kind) {
      case 'foreign-arn':
        return undefined;
      case 'arn':
        return this.secrets.get(reference.arn) ?? this.findByName(reference.nameOrPartial);
      case 'name':
        return this.findByName(reference.name);
    }
  }

  private findByName(name: string): Secret | undefined {
    for (const secret of this.secrets.values()) if (secret.name === name) return secret;
    return undefined;
  }

  private require(secretId: string): Secret {
    const secret = this.find(secretId);
    if (!secret) throw resourceNotFound("Secrets Manager can't find the specified secret.");
    return secret;
  }

  /** Like require, but a secret waiting out its recovery window cannot be read or changed. */
  private requireActive(secretId: string, action: string): Secret {
    const secret = this.require(secretId);
    if (secret.deletedAt) {
      throw invalidRequest(
        `You can't perform this operation (${action}) on the secret because it was marked for deletion.`,
      );
    }
    return secret;
  }

  /**
   * Like requireActive, for changes: a replica is a read-only copy of its primary (AWS answers every change with
   * InvalidParameterException and this message, whatever the operation).
   */
  private requireWritable(secretId: string, action: string): Secret {
    const secret = this.requireActive(secretId, action);
    if (secret.primaryRegion !== undefined) throw notOnReplica();
    return secret;
  }

  /** Secrets whose recovery window has run out are gone for good, as AWS deletes them. */
  private purgeExpiredDeletions(): void {
    const now = this.now().getTime();
    let purged = false;
    for (const [arn, secret] of this.secrets) {
      if (secret.deletionScheduledFor && secret.deletionScheduledFor.getTime() <= now) {
        this.secrets.delete(arn);
        purged = true;
      }
    }
    if (purged) this.onChange();
  }

  describe(secretId: string): ReadonlySecret {
    return this.require(secretId);
  }

  /**
   * Sets what ReplicationStatus reports for the replica of `secretId` in `region`, as AWS would when replication
   * stalls or fails (tests and the drill; no API changes it): `Failed` or `InProgress` stop replication to that
   * region at this status (the replica keeps the copy it had); `InSync` resumes it, and the replica catches up.
   */
  setReplicaStatus(secretId: string, region: string, status: ReplicaStatus, statusMessage?: string): void {
    const secret = this.require(secretId);
    const replica = secret.replicas?.find((r) => r.region === region);
    if (!replica) throw invalidParameter(`The secret ${secret.name} has no replica in ${region}.`);
    replica.status = status;
    replica.held = status !== 'InSync';
    if (!replica.held) delete replica.held;
    if (statusMessage === undefined) delete replica.statusMessage;
    else replica.statusMessage = statusMessage;
    this.onChange();
  }

  /** ReplicateSecretToRegions: adds replicas (InProgress until replication.ts has copied the secret). */
  addReplicaRegions(secretId: string, regions: readonly ReplicaRegionInput[], forceOverwrite: boolean): ReadonlySecret {
    const secret = this.requireWritable(secretId, 'ReplicateSecretToRegions');
    const existing = new Set((secret.replicas ?? []).map((replica) => replica.region));
    const added = this.newReplicas(regions, forceOverwrite);
    for (const replica of added) {
      if (existing.has(replica.region)) {
        throw invalidParameter(`The secret ${secret.name} is already replicated to ${replica.region}.`);
      }
    }
    secret.replicas = [...(secret.replicas ?? []), ...added];
    secret.lastChangedAt = this.now();
    this.onChange();
    return secret;
  }

  /** RemoveRegionsFromReplication: the replicas in those regions are deleted at once (replication.ts drops them). */
  removeReplicaRegions(secretId: string, regions: readonly string[]): ReadonlySecret {
    const secret = this.requireWritable(secretId, 'RemoveRegionsFromReplication');
    for (const region of regions) {
      if (!secret.replicas?.some((replica) => replica.region === region)) {
        throw invalidParameter(`The secret ${secret.name} has no replica in ${region}.`);
      }
    }
    const doomed = new Set(regions);
    const kept = (secret.replicas ?? []).filter((replica) => !doomed.has(replica.region));
    if (kept.length > 0) secret.replicas = kept;
    else delete secret.replicas;
    secret.lastChangedAt = this.now();
    this.onChange();
    return secret;
  }

  private newReplicas(regions: readonly ReplicaRegionInput[], forceOverwrite = false): SecretReplica[] {
    const seen = new Set<string>();
    return regions.map(({ region, kmsKeyId }) => {
      if (region === this.location.region) {
        throw invalidParameter(`A secret can't be replicated to its own region (${region}).`);
      }
      if (seen.has(region)) throw invalidParameter(`The region ${region} is listed more than once.`);
      seen.add(region);
      return {
        region,
        ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
        status: 'InProgress',
        ...(forceOverwrite ? { forceOverwrite } : {}),
      };
    });
  }

  // ---------------------------------------------------------------- replica copies (replication.ts)

  /** The secret with exactly this ARN in this region, if any. */
  secretByArn(arn: string): ReadonlySecret | undefined {
    return this.secrets.get(arn);
  }

  /** The secret named `name` in this region, replica or not, deleted or not. */
  secretNamed(name: string): ReadonlySecret | undefined {
    return this.findByName(name);
  }

  /**
   * Installs (or refreshes) the replica copy `copy` of a secret whose primary lives in another region. What the
   * region itself recorded stays: when the replica was last read here. Not a change worth persisting (replicas are
   * copied again from their primaries at start), so no onChange.
   */
  installReplica(copy: Secret): void {
    const existing = this.findByName(copy.name);
    if (existing && existing.arn !== copy.arn) this.secrets.delete(existing.arn);
    const accessed = new Map(existing?.versions.map((version) => [version.versionId, version.lastAccessedAt]) ?? []);
    for (const version of copy.versions) {
      const at = accessed.get(version.versionId);
      if (at) version.lastAccessedAt = at;
      else delete version.lastAccessedAt;
    }
    if (existing?.lastAccessedAt) copy.lastAccessedAt = existing.lastAccessedAt;
    else delete copy.lastAccessedAt;
    this.secrets.set(copy.arn, copy);
  }

  /** Deletes a replica copy at once (RemoveRegionsFromReplication: AWS deletes replicas without a recovery window). */
  dropReplica(arn: string): void {
    const secret = this.secrets.get(arn);
    if (secret?.primaryRegion !== undefined) this.secrets.delete(arn);
  }

  /** StopReplicationToReplica, called in the replica's region: the replica becomes a standalone secret here. */
  promoteReplica(secretId: string): { secret: ReadonlySecret; primaryRegion: string } {
    const secret = this.requireActive(secretId, 'StopReplicationToReplica');
    if (secret.primaryRegion === undefined) {
      throw invalidRequest(
        `The secret ${secret.name} is not a replica: StopReplicationToReplica is called in a replica's region.`,
      );
    }
    const primaryRegion = secret.primaryRegion;
    delete secret.primaryRegion;
    secret.lastChangedAt = this.now();
    this.onChange();
    return { secret, primaryRegion };
  }

  listSecrets(includePlannedDeletion = false): ReadonlySecret[] {
    this.purgeExpiredDeletions();
    return [...this.secrets.values()].filter((secret) => includePlannedDeletion || !secret.deletedAt);
  }

  // ---------------------------------------------------------------- versions and labels

  private static holderOf(secret: Secret, label: string): SecretVersion | undefined {
    return secret.versions.find((version) => version.stages.includes(label));
  }

  private static versionById(secret: Secret, versionId: string): SecretVersion | undefined {
    return secret.versions.find((version) => version.versionId === versionId);
  }

  /**
   * Attaches `label` to `target`, taking it off whichever version had it (labels are unique within
   * a secret). Moving AWSCURRENT makes the version that lost it AWSPREVIOUS.
   */
  private moveLabel(secret: Secret, label: string, target: SecretVersion): void {
    const holder = SecretsManagerState.holderOf(secret, label);
    if (holder === target) return;
    if (holder) this.detachLabel(secret, holder, label);
    this.attachLabel(secret, target, label);
    if (label === AWSCURRENT && holder) this.moveLabel(secret, AWSPREVIOUS, holder);
  }

  /** The only two ways a label changes hands: both journaled. */
  private attachLabel(secret: Secret, version: SecretVersion, label: string): void {
    version.stages.push(label);
    this.journal(secret, version, label, 'attached');
  }

  private detachLabel(secret: Secret, version: SecretVersion, label: string): void {
    version.stages = version.stages.filter((stage) => stage !== label);
    this.journal(secret, version, label, 'detached');
  }

  private journal(secret: Secret, version: SecretVersion, label: string, change: LabelChange['change']): void {
    const changes = this.labelJournal.get(secret.arn) ?? [];
    changes.push({ secretArn: secret.arn, versionId: version.versionId, label, change, at: this.now() });
    this.labelJournal.set(secret.arn, changes);
  }

  /** How the labels of a secret (SecretId of a live secret, or the ARN of a deleted one) moved, oldest first. */
  labelHistory(secretId: string): LabelChange[] {
    const arn = this.find(secretId)?.arn ?? secretId;
    return [...(this.labelJournal.get(arn) ?? [])];
  }

  private static assertLabelCapacity(secret: Secret, newLabels: readonly string[]): void {
    const labels = new Set(secret.versions.flatMap((version) => version.stages));
    for (const label of newLabels) labels.add(label);
    if (newLabels.includes(AWSCURRENT)) labels.add(AWSPREVIOUS);
    if (labels.size > MAX_STAGING_LABELS_PER_SECRET) {
      throw limitExceeded(
        `A secret can have at most ${MAX_STAGING_LABELS_PER_SECRET} staging labels across its versions.`,
      );
    }
  }

  /**
   * Makes room for one more version. Unlabeled (deprecated) versions go first, oldest first, but
   * AWS keeps any version younger than 24 hours, so writing too fast hits the version quota.
   */
  private makeRoomForVersion(secret: Secret): void {
    const excess = secret.versions.length + 1 - MAX_VERSIONS_PER_SECRET;
    if (excess <= 0) return;
    const cutoff = this.now().getTime() - DEPRECATED_VERSION_MIN_AGE_MS;
    const removable = secret.versions.filter((v) => v.stages.length === 0 && v.createdAt.getTime() <= cutoff);
    if (removable.length < excess) {
      throw limitExceeded(
        `The secret already has ${MAX_VERSIONS_PER_SECRET} versions and none old enough to remove; ` +
          'Secrets Manager keeps versions created in the last 24 hours.',
      );
    }
    const doomed = new Set(removable.slice(0, excess));
    secret.versions = secret.versions.filter((version) => !doomed.has(version));
  }

  private static assertValueSize(value: SecretValue): void {
    if (secretValueBytes(value) > MAX_SECRET_VALUE_BYTES) {
      throw invalidParameter(`The secret value exceeds the maximum size of ${MAX_SECRET_VALUE_BYTES} bytes.`);
    }
  }

  private static assertStageLabels(labels: readonly string[]): void {
    if (labels.length > MAX_STAGING_LABELS_PER_SECRET) {
      throw invalidParameter(`You can attach at most ${MAX_STAGING_LABELS_PER_SECRET} staging labels to a version.`);
    }
    for (const label of labels) {
      if (label.length < 1 || label.length > 256)
        throw invalidParameter('A staging label must be 1 to 256 characters long.');
    }
  }

  /**
   * The shared write path of PutSecretValue and UpdateSecret. Same token and same value: nothing
   * changes. Same token, different value: refused. A token naming a value-less placeholder fills it.
   */
  private writeVersion(
    secret: Secret,
    token: string,
    value: SecretValue,
    requestedStages: readonly string[],
  ): SecretVersion {
    SecretsManagerState.assertValueSize(value);
    SecretsManagerState.assertStageLabels(requestedStages);
    const existing = SecretsManagerState.versionById(secret, token);
    if (existing?.value !== undefined) {
      if (secretValuesEqual(existing.value, value)) return existing;
      throw resourceExists(
        `A version with ClientRequestToken ${token} already exists with a different value. ` +
          "You can't modify an existing version; create a new version with a new token.",
      );
    }
    // The first version a secret ever gets is AWSCURRENT, whatever labels were asked for.
    const stages =
      secret.versions.length === 0 && !requestedStages.includes(AWSCURRENT)
        ? [...requestedStages, AWSCURRENT]
        : requestedStages;
    SecretsManagerState.assertLabelCapacity(secret, stages);
    let version = existing;
    if (version) {
      version.value = value;
    } else {
      this.makeRoomForVersion(secret);
      version = { versionId: token, value, stages: [], createdAt: this.now() };
      secret.versions.push(version);
    }
    for (const stage of stages) this.moveLabel(secret, stage, version);
    secret.lastChangedAt = this.now();
    return version;
  }

  // ---------------------------------------------------------------- operations

  createSecret(input: CreateSecretInput): { secret: ReadonlySecret; versionId?: string } {
    assertValidSecretName(input.name);
    this.purgeExpiredDeletions();
    const existing = this.findByName(input.name);
    if (existing) {
      if (existing.deletedAt) {
        throw invalidRequest(
          `You can't create this secret because a secret with the name ${input.name} is already scheduled for deletion.`,
        );
      }
      // A retried CreateSecret (same token, same value) succeeds without creating anything.
      const retried =
        input.clientRequestToken && input.value
          ? SecretsManagerState.versionById(existing, input.clientRequestToken)
          : undefined;
      if (retried && secretValuesEqual(retried.value, input.value))
        return { secret: existing, versionId: retried.versionId };
      throw resourceExists(`The operation failed because the secret ${input.name} already exists.`);
    }
    if (input.value) SecretsManagerState.assertValueSize(input.value);
    const tags = SecretsManagerState.mergeTags([], input.tags ?? []);
    const now = this.now();
    const secret: Secret = {
      arn: newSecretArn(this.location, input.name),
      name: input.name,
      tags,
      versions: [],
      createdAt: now,
      lastChangedAt: now,
    };
    if (input.description !== undefined) secret.description = input.description;
    if (input.kmsKeyId !== undefined) secret.kmsKeyId = input.kmsKeyId;
    if (input.replicaRegions && input.replicaRegions.length > 0) {
      secret.replicas = this.newReplicas(input.replicaRegions, input.forceOverwriteReplicas ?? false);
    }
    let versionId: string | undefined;
    if (input.value) {
      versionId = input.clientRequestToken ?? randomUUID();
      const first: SecretVersion = { versionId, value: input.value, stages: [], createdAt: now };
      secret.versions.push(first);
      this.attachLabel(secret, first, AWSCURRENT);
    }
    this.secrets.set(secret.arn, secret);
    this.onChange();
    return versionId === undefined ? { secret } : { secret, versionId };
  }

  /**
   * A secret as another AWS service creates it (not reachable through the API: services create
   * them for themselves): `OwningService` set, the `aws:secretsmanager:owningService` tag and the
   * service's own `aws:` tags, rotation enabled with managed rotation (no Lambda).
   */
  createServiceOwnedSecret(input: ServiceOwnedSecretInput): ReadonlySecret {
    const name = input.name ?? `${input.owningService}!db-${randomUUID()}`;
    const match = SERVICE_OWNED_NAME.exec(name);
    if (!match || match[1] !== input.owningService) {
      throw invalidParameter(`A secret owned by ${input.owningService} must be named ${input.owningService}!<name>.`);
    }
    this.purgeExpiredDeletions();
    if (this.findByName(name)) throw resourceExists(`The operation failed because the secret ${name} already exists.`);
    const value: SecretValue = { kind: 'string', text: input.value };
    SecretsManagerState.assertValueSize(value);
    const now = this.now();
    const serviceTags = new Map((input.tags ?? []).map((tag) => [tag.Key, tag.Value]));
    serviceTags.set(OWNING_SERVICE_TAG, input.owningService);
    const secret: Secret = {
      arn: newSecretArn(this.location, name),
      name,
      tags: [...serviceTags].map(([Key, Value]) => ({ Key, Value })),
      versions: [],
      createdAt: now,
      lastChangedAt: now,
      owningService: input.owningService,
      rotationEnabled: true,
      rotationRules: { ...(input.rotationRules ?? { AutomaticallyAfterDays: 7 }) },
    };
    if (input.description !== undefined) secret.description = input.description;
    const first: SecretVersion = { versionId: randomUUID(), value, stages: [], createdAt: now };
    secret.versions.push(first);
    this.attachLabel(secret, first, AWSCURRENT);
    this.secrets.set(secret.arn, secret);
    this.onChange();
    return secret;
  }

  getSecretValue(
    secretId: string,
    selector: VersionSelector = {},
  ): { secret: ReadonlySecret; version: ReadonlySecretVersion } {
    const secret = this.requireActive(secretId, 'GetSecretValue');
    const version = this.selectVersion(secret, selector);
    if (version.value === undefined) {
      throw resourceNotFound(
        `Secrets Manager can't find the specified secret value for VersionId: ${version.versionId} (the version has no value yet).`,
      );
    }
    this.recordAccess(secret, version);
    return { secret, version };
  }

  private selectVersion(secret: Secret, selector: VersionSelector): SecretVersion {
    const { versionId, versionStage } = selector;
    if (versionId !== undefined) {
      const version = SecretsManagerState.versionById(secret, versionId);
      if (!version || (versionStage !== undefined && !version.stages.includes(versionStage))) {
        const stagePart = versionStage === undefined ? '' : ` and staging label: ${versionStage}`;
        throw resourceNotFound(
          `Secrets Manager can't find the specified secret value for VersionId: ${versionId}${stagePart}.`,
        );
      }
      return version;
    }
    const stage = versionStage ?? AWSCURRENT;
    const version = SecretsManagerState.holderOf(secret, stage);
    if (!version)
      throw resourceNotFound(`Secrets Manager can't find the specified secret value for staging label: ${stage}.`);
    return version;
  }

  /** LastAccessedDate is kept to the day, as AWS reports it; only a new day is a change worth persisting. */
  private recordAccess(secret: Secret, version: SecretVersion): void {
    const today = startOfUtcDay(this.now());
    if (secret.lastAccessedAt?.getTime() === today.getTime() && version.lastAccessedAt?.getTime() === today.getTime())
      return;
    secret.lastAccessedAt = today;
    version.lastAccessedAt = today;
    this.onChange();
  }

  putSecretValue(
    secretId: string,
    input: PutSecretValueInput,
  ): { secret: ReadonlySecret; version: ReadonlySecretVersion } {
    const secret = this.requireWritable(secretId, 'PutSecretValue');
    const version = this.writeVersion(
      secret,
      input.clientRequestToken,
      input.value,
      input.versionStages ?? [AWSCURRENT],
    );
    this.onChange();
    return { secret, version };
  }

  updateSecret(secretId: string, input: UpdateSecretInput): { secret: ReadonlySecret; versionId?: string } {
    const secret = this.requireWritable(secretId, 'UpdateSecret');
    let versionId: string | undefined;
    if (input.value) {
      versionId = this.writeVersion(secret, input.clientRequestToken ?? randomUUID(), input.value, [
        AWSCURRENT,
      ]).versionId;
    }
    if (input.description !== undefined) secret.description = input.description;
    if (input.kmsKeyId !== undefined) secret.kmsKeyId = input.kmsKeyId;
    secret.lastChangedAt = this.now();
    this.onChange();
    return versionId === undefined ? { secret } : { secret, versionId };
  }

  updateSecretVersionStage(secretId: string, input: UpdateVersionStageInput): ReadonlySecret {
    const secret = this.requireWritable(secretId, 'UpdateSecretVersionStage');
    const { versionStage: label, removeFromVersionId, moveToVersionId } = input;
    SecretsManagerState.assertStageLabels([label]);
    if (removeFromVersionId === undefined && moveToVersionId === undefined) {
      throw invalidParameter('Specify MoveToVersionId, RemoveFromVersionId, or both.');
    }
    const moveTo = moveToVersionId === undefined ? undefined : SecretsManagerState.versionById(secret, moveToVersionId);
    if (moveToVersionId !== undefined && !moveTo) {
      throw resourceNotFound(`Secrets Manager can't find a version with VersionId: ${moveToVersionId}.`);
    }
    const removeFrom =
      removeFromVersionId === undefined ? undefined : SecretsManagerState.versionById(secret, removeFromVersionId);
    if (removeFromVersionId !== undefined && !removeFrom) {
      throw resourceNotFound(`Secrets Manager can't find a version with VersionId: ${removeFromVersionId}.`);
    }
    const holder = SecretsManagerState.holderOf(secret, label);

    // AWS: a RemoveFromVersionId that does not match the version holding the label fails the call.
    if (removeFrom && holder !== removeFrom) {
      throw invalidParameter(
        `The staging label ${label} is not attached to version ${removeFrom.versionId}, so it can't be removed from it.`,
      );
    }
    // Asking for what is already true succeeds without change.
    if (moveTo && holder === moveTo) return secret;
    if (moveTo && holder && holder !== removeFrom) {
      throw invalidParameter(
        `The staging label ${label} is currently attached to version ${holder.versionId}. ` +
          'To move it, specify that version in RemoveFromVersionId.',
      );
    }
    if (!moveTo && label === AWSCURRENT) {
      throw invalidParameter(
        'You can only move the staging label AWSCURRENT to another version; it cannot just be removed.',
      );
    }
    if (moveTo) {
      SecretsManagerState.assertLabelCapacity(secret, [label]);
      this.moveLabel(secret, label, moveTo);
    } else if (removeFrom) {
      this.detachLabel(secret, removeFrom, label);
    }
    secret.lastChangedAt = this.now();
    this.onChange();
    return secret;
  }

  listSecretVersions(
    secretId: string,
    includeDeprecated = false,
  ): { secret: ReadonlySecret; versions: ReadonlySecretVersion[] } {
    const secret = this.require(secretId);
    const versions = secret.versions.filter((version) => includeDeprecated || version.stages.length > 0);
    return { secret, versions };
  }

  tagResource(secretId: string, tags: readonly Tag[]): ReadonlySecret {
    const secret = this.requireWritable(secretId, 'TagResource');
    secret.tags = SecretsManagerState.mergeTags(secret.tags, tags);
    secret.lastChangedAt = this.now();
    this.onChange();
    return secret;
  }

  untagResource(secretId: string, tagKeys: readonly string[]): ReadonlySecret {
    const secret = this.requireWritable(secretId, 'UntagResource');
    const doomed = new Set(tagKeys);
    secret.tags = secret.tags.filter((tag) => !doomed.has(tag.Key));
    secret.lastChangedAt = this.now();
    this.onChange();
    return secret;
  }

  /** New values replace existing ones for the same key; the order of first appearance is kept. */
  private static mergeTags(existing: readonly Tag[], additions: readonly Tag[]): Tag[] {
    const merged = new Map(existing.map((tag) => [tag.Key, tag.Value]));
    for (const tag of additions) {
      if (tag.Key.length < 1 || tag.Key.length > 128)
        throw invalidParameter('A tag key must be 1 to 128 characters long.');
      if (tag.Value.length > 256) throw invalidParameter('A tag value must be at most 256 characters long.');
      if (tag.Key.toLowerCase().startsWith('aws:'))
        throw invalidParameter(`The tag key ${tag.Key} uses the reserved prefix aws:.`);
      merged.set(tag.Key, tag.Value);
    }
    if (merged.size > MAX_TAGS_PER_SECRET)
      throw invalidParameter(`A secret can have at most ${MAX_TAGS_PER_SECRET} tags.`);
    return [...merged].map(([Key, Value]) => ({ Key, Value }));
  }

  deleteSecret(secretId: string, input: DeleteSecretInput): { arn: string; name: string; deletionDate: Date } {
    const { recoveryWindowInDays, forceDeleteWithoutRecovery } = input;
    if (recoveryWindowInDays !== undefined && forceDeleteWithoutRecovery) {
      throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    }
    const windowDays = recoveryWindowInDays ?? DEFAULT_RECOVERY_WINDOW_DAYS;
    if (!Number.isInteger(windowDays) || windowDays < 7 || windowDays > 30) {
      throw invalidParameter('RecoveryWindowInDays must be a whole number of days from 7 to 30.');
    }
    const now = this.now();
    const secret = this.find(secretId);
    if (!secret) {
      // AWS answers a forced delete of an unknown secret without ResourceNotFoundException.
      if (forceDeleteWithoutRecovery) return { ...this.describeUnknown(secretId), deletionDate: now };
      throw resourceNotFound("Secrets Manager can't find the specified secret.");
    }
    if (secret.primaryRegion !== undefined) throw notOnReplica();
    if (secret.replicas && secret.replicas.length > 0) {
      throw invalidParameter(
        `You can't delete secret ${secret.arn} that still has replica regions [${secret.replicas.map((r) => r.region).join(', ')}].`,
      );
    }
    if (forceDeleteWithoutRecovery) {
      this.secrets.delete(secret.arn);
      this.onChange();
      return { arn: secret.arn, name: secret.name, deletionDate: now };
    }
    if (secret.deletedAt) {
      throw invalidRequest(
        `The secret ${secret.name} is already scheduled for deletion. Restore it or delete it with ForceDeleteWithoutRecovery.`,
      );
    }
    secret.deletedAt = now;
    secret.deletionScheduledFor = new Date(now.getTime() + windowDays * DAY_MS);
    secret.lastChangedAt = now;
    this.onChange();
    return { arn: secret.arn, name: secret.name, deletionDate: secret.deletionScheduledFor };
  }

  private describeUnknown(secretId: string): { arn: string; name: string } {
    const reference = parseSecretId(this.location, secretId);
    if (reference.kind === 'name')
      return { arn: `${secretArnPrefix(this.location)}${reference.name}`, name: reference.name };
    if (reference.kind === 'arn') return { arn: secretId, name: reference.nameOrPartial };
    return { arn: secretId, name: secretId };
  }

  restoreSecret(secretId: string): ReadonlySecret {
    const secret = this.require(secretId);
    if (secret.deletedAt) {
      delete secret.deletedAt;
      delete secret.deletionScheduledFor;
      secret.lastChangedAt = this.now();
      this.onChange();
    }
    return secret;
  }

  // ---------------------------------------------------------------- rotation

  /**
   * The synchronous half of RotateSecret: checks, stores the configuration, and prepares the
   * AWSPENDING placeholder whose id is the token. The rotation function runs afterwards.
   */
  beginRotation(secretId: string, input: BeginRotationInput): RotationPlan {
    const secret = this.requireWritable(secretId, 'RotateSecret');
    if (secret.owningService !== undefined) {
      // The owning service rotates its secrets itself (managed rotation): no Lambda function can be set.
      throw invalidRequest(
        input.rotationLambdaArn === undefined
          ? `The secret ${secret.name} is managed by ${secret.owningService} (managed rotation), which the local Secrets Manager does not run.`
          : `You can't set a Lambda rotation function on the secret ${secret.name}: it is managed by ${secret.owningService}, which rotates it (managed rotation).`,
      );
    }
    const token = input.clientRequestToken;
    const lambdaArn = input.rotationLambdaArn ?? secret.rotationLambdaArn;
    if (!lambdaArn) {
      throw invalidRequest(
        'No Lambda rotation function ARN is associated with this secret. Specify RotationLambdaARN.',
      );
    }
    const schedule = input.rotationRules ? SecretsManagerState.validateRules(input.rotationRules) : undefined;

    const pending = SecretsManagerState.holderOf(secret, AWSPENDING);
    const current = SecretsManagerState.holderOf(secret, AWSCURRENT);
    // The same token as the unfinished rotation re-runs it; any other token must wait for it.
    const rerun = pending !== undefined && pending !== current && pending.versionId === token;
    if (pending && pending !== current && !rerun) {
      throw invalidRequest(
        `A previous rotation isn't complete: version ${pending.versionId} still has the staging label AWSPENDING. ` +
          'Finish or clean up that rotation, or retry it with its ClientRequestToken.',
      );
    }
    if (!rerun && SecretsManagerState.versionById(secret, token)) {
      throw invalidRequest(
        `A version with ClientRequestToken ${token} already exists and is not pending rotation. Use a new token.`,
      );
    }
    if (!rerun) this.makeRoomForVersion(secret);

    const now = this.now();
    secret.rotationLambdaArn = lambdaArn;
    if (input.rotationRules) secret.rotationRules = { ...input.rotationRules };
    secret.rotationEnabled = true;
    secret.lastChangedAt = now;
    this.refreshNextRotationDate(secret, schedule);
    if (pending && pending === current) this.detachLabel(secret, pending, AWSPENDING);
    if (!rerun) {
      const placeholder: SecretVersion = { versionId: token, stages: [], createdAt: now };
      // RotateImmediately=false only runs testSecret: its temporary AWSPENDING version carries the
      // current value, so a function's test of the pending credentials exercises the configuration.
      if (input.rotateImmediately === false && current?.value) placeholder.value = current.value;
      secret.versions.push(placeholder);
      this.attachLabel(secret, placeholder, AWSPENDING);
    }
    this.onChange();
    return {
      secretArn: secret.arn,
      secretName: secret.name,
      clientRequestToken: token,
      rotationLambdaArn: lambdaArn,
      mode: input.rotateImmediately === false ? 'test-only' : 'rotate',
      createdPlaceholder: !rerun,
    };
  }

  private static validateRules(rules: RotationRulesInput): ReturnType<typeof validateRotationRules> {
    try {
      return validateRotationRules(rules);
    } catch (error) {
      if (error instanceof ScheduleExpressionError) throw invalidParameter(error.message);
      throw error;
    }
  }

  private refreshNextRotationDate(secret: Secret, validated?: ReturnType<typeof validateRotationRules>): void {
    const schedule = (
      validated ?? (secret.rotationRules ? SecretsManagerState.validateRules(secret.rotationRules) : undefined)
    )?.schedule;
    const next =
      schedule && secret.rotationEnabled
        ? nextRotationDate(schedule, {
            createdAt: secret.createdAt,
            lastRotatedAt: secret.lastRotatedAt,
            now: this.now(),
          })
        : undefined;
    if (next) secret.nextRotationAt = next;
    else delete secret.nextRotationAt;
  }

  /** After finishSecret returned: the rotation counts as done. A secret deleted meanwhile is left alone. */
  recordRotationSucceeded(secretArn: string): void {
    const secret = this.secrets.get(secretArn);
    if (!secret) return;
    secret.lastRotatedAt = this.now();
    secret.lastChangedAt = secret.lastRotatedAt;
    this.refreshNextRotationDate(secret);
    this.onChange();
  }

  /**
   * RotateImmediately=false tests with a temporary AWSPENDING version and then removes it. A version
   * that has gained any other label in the meantime is kept: something now depends on it.
   */
  removeRotationPlaceholder(secretArn: string, token: string): void {
    const secret = this.secrets.get(secretArn);
    const version = secret && SecretsManagerState.versionById(secret, token);
    if (!secret || !version) return;
    if (version.stages.some((stage) => stage !== AWSPENDING)) return;
    if (version.stages.includes(AWSPENDING)) this.detachLabel(secret, version, AWSPENDING);
    secret.versions = secret.versions.filter((candidate) => candidate !== version);
    this.onChange();
  }

  /** Turns rotation off; labels stay as they are. Returns the unfinished rotation's version, if any. */
  cancelRotation(secretId: string): { secret: ReadonlySecret; pendingVersionId?: string } {
    const secret = this.requireWritable(secretId, 'CancelRotateSecret');
    secret.rotationEnabled = false;
    delete secret.nextRotationAt;
    secret.lastChangedAt = this.now();
    this.onChange();
    const pending = SecretsManagerState.holderOf(secret, AWSPENDING);
    const current = SecretsManagerState.holderOf(secret, AWSCURRENT);
    return pending && pending !== current ? { secret, pendingVersionId: pending.versionId } : { secret };
  }

  // ---------------------------------------------------------------- snapshots

  /** A deep copy of every secret, for persistence. */
  exportSecrets(): Secret[] {
    return [...this.secrets.values()].map((secret) => structuredClone(secret));
  }

  /** Replaces the whole model, e.g. with a snapshot loaded at start. */
  importSecrets(secrets: readonly Secret[]): void {
    this.secrets.clear();
    for (const secret of secrets) this.secrets.set(secret.arn, structuredClone(secret));
  }
}
