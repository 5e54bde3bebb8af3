import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { KeyturnError } from './errors';
import { AWSCURRENT, AWSPENDING } from './stages';
import type { WriteGate } from './write-pacer';

/** What keyturn needs to know about a secret before touching it. */
export interface SecretDescription {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  /** Version id → staging labels, for labelled versions only (as DescribeSecret returns them). */
  readonly versionStages: Readonly<Record<string, readonly string[]>>;
  readonly tags: Readonly<Record<string, string>>;
  /** The Lambda function Secrets Manager invokes to rotate it (keyturn's rotation function also runs the lifecycle tasks). */
  readonly rotationLambdaArn?: string;
  /** The rotation window's length (`3h`), as RotateSecret was configured. */
  readonly rotationWindow?: string;
  readonly rotationScheduleExpression?: string;
  readonly lastRotatedAt?: Date;
  readonly createdAt?: Date;
  /** The AWS service that manages the secret (`rds` for `rds!...` master secrets); absent for secrets users own. */
  readonly owningService?: string;
  /** Its replicas in other regions (DescribeSecret's ReplicationStatus); absent when it has none. */
  readonly replicas?: readonly ReplicaStatus[];
}

/** One replica of a secret as the primary reports it. */
export interface ReplicaStatus {
  readonly region: string;
  /** `InSync`, `InProgress` or `Failed` (AWS's StatusType). */
  readonly status: string;
  readonly statusMessage?: string;
  readonly lastAccessedAt?: Date;
}

/** One version of a secret with its value. The value is a credential: never log it. */
export interface SecretVersion {
  readonly versionId: string;
  readonly value: string;
  readonly stages: readonly string[];
  readonly createdAt?: Date;
}

export interface VersionSummary {
  readonly versionId: string;
  readonly stages: readonly string[];
  readonly createdAt?: Date;
}

export type VersionSelector =
  { readonly stage: string; readonly versionId?: string } | { readonly versionId: string; readonly stage?: string };

export class SecretNotFoundError extends KeyturnError {
  readonly name = 'SecretNotFoundError';
}

export class BinarySecretNotSupportedError extends KeyturnError {
  readonly name = 'BinarySecretNotSupportedError';
}

/**
 * The Secrets Manager calls keyturn makes, typed and with AWS's "not found" folded into
 * return values where absence is a normal answer. Every read names its version explicitly
 * (DESIGN.md: always read with an explicit VersionStage/VersionId). Every write passes its
 * gate first: the write pacer (write-pacer.ts) keeps keyturn's writes under its share of the
 * region's write quota.
 */
export class SecretStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly writeGate?: WriteGate,
    /** Clients for other regions (a secret's replicas), made on first use with this client's endpoint and credentials. */
    private readonly regionalClients: Map<string, SecretsManagerClient> = new Map(),
  ) {}

  /** The same store, its writes passing `gate` first (one invocation's deadline and wait count). */
  withWriteGate(gate: WriteGate): SecretStore {
    return new SecretStore(this.client, gate, this.regionalClients);
  }

  /**
   * A store that reads in `region` (a replica's region), through a client configured for it: the same endpoint
   * override and credentials as this store's (AWS_ENDPOINT_URL_SECRETS_MANAGER locally), signed for that region.
   * For reads only: a replica refuses every change.
   */
  inRegion(region: string): SecretStore {
    let client = this.regionalClients.get(region);
    if (!client) {
      const { endpoint, credentials, isCustomEndpoint } = this.client.config;
      client = new SecretsManagerClient({
        region,
        credentials,
        ...(isCustomEndpoint && endpoint !== undefined ? { endpoint } : {}),
      });
      this.regionalClients.set(region, client);
    }
    return new SecretStore(client, undefined, this.regionalClients);
  }

  async describe(secretId: string): Promise<SecretDescription> {
    try {
      const out = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
      return {
        arn: out.ARN ?? secretId,
        name: out.Name ?? secretId,
        rotationEnabled: out.RotationEnabled === true,
        versionStages: out.VersionIdsToStages ?? {},
        tags: Object.fromEntries((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        ...(out.RotationLambdaARN ? { rotationLambdaArn: out.RotationLambdaARN } : {}),
        ...(out.RotationRules?.Duration ? { rotationWindow: out.RotationRules.Duration } : {}),
        ...(out.RotationRules?.ScheduleExpression
          ? { rotationScheduleExpression: out.RotationRules.ScheduleExpression }
          : out.RotationRules?.AutomaticallyAfterDays
            ? { rotationScheduleExpression: `rate(${out.RotationRules.AutomaticallyAfterDays} days)` }
            : {}),
        ...(out.LastRotatedDate ? { lastRotatedAt: out.LastRotatedDate } : {}),
        ...(out.CreatedDate ? { createdAt: out.CreatedDate } : {}),
        ...(out.OwningService ? { owningService: out.OwningService } : {}),
        ...(out.ReplicationStatus && out.ReplicationStatus.length > 0
          ? {
              replicas: out.ReplicationStatus.map((replica) => ({
                region: replica.Region ?? 'unknown',
                status: replica.Status ?? 'unknown',
                ...(replica.StatusMessage ? { statusMessage: replica.StatusMessage } : {}),
                ...(replica.LastAccessedDate ? { lastAccessedAt: replica.LastAccessedDate } : {}),
              })),
            }
          : {}),
      };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) {
        throw new SecretNotFoundError(`secret ${secretId} does not exist`);
      }
      throw error;
    }
  }

  /** The version's value, or undefined when the version, the label or the value does not exist. */
  async getVersion(secretId: string, selector: VersionSelector): Promise<SecretVersion | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionId: selector.versionId, VersionStage: selector.stage }),
      );
      if (out.SecretString === undefined) {
        throw new BinarySecretNotSupportedError(
          `secret ${secretId} version ${out.VersionId ?? '?'} holds a binary value; keyturn rotates string secrets`,
        );
      }
      return {
        versionId: out.VersionId ?? '',
        value: out.SecretString,
        stages: out.VersionStages ?? [],
        createdAt: out.CreatedDate,
      };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  /** Like getVersion, for versions whose absence means the caller cannot go on. */
  async requireVersion(secretId: string, selector: VersionSelector): Promise<SecretVersion> {
    const version = await this.getVersion(secretId, selector);
    if (!version) {
      const what = [selector.stage, selector.versionId].filter(Boolean).join(' / ');
      throw new SecretNotFoundError(`secret ${secretId} has no value for ${what}`);
    }
    return version;
  }

  /** Stores the pending value under the rotation token; a retry with the same value is a no-op in AWS. */
  async putPendingValue(secretId: string, token: string, value: string): Promise<void> {
    await this.writeGate?.beforeWrite(secretId);
    await this.client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        SecretString: value,
        VersionStages: [AWSPENDING],
      }),
    );
  }

  /**
   * Stores `value` as version `versionId` carrying only `label` (a canary candidate): never AWSCURRENT or
   * AWSPENDING. The same value again is a no-op that leaves the labels as they are (AWS ignores the request);
   * a different value under the same id fails with ResourceExistsException.
   */
  async putLabelledVersion(secretId: string, versionId: string, value: string, label: string): Promise<void> {
    await this.writeGate?.beforeWrite(secretId);
    await this.client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: versionId,
        SecretString: value,
        VersionStages: [label],
      }),
    );
  }

  /** Attaches `stage` to `toVersionId`, taking it off `fromVersionId` (required by AWS when another version has it). */
  async moveStage(
    secretId: string,
    stage: string,
    toVersionId: string,
    fromVersionId: string | undefined,
  ): Promise<void> {
    await this.writeGate?.beforeWrite(secretId);
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: stage,
        MoveToVersionId: toVersionId,
        RemoveFromVersionId: fromVersionId,
      }),
    );
  }

  /** Moves AWSCURRENT to `toVersionId`; AWS moves AWSPREVIOUS to the version that loses it. */
  async promoteToCurrent(secretId: string, toVersionId: string, fromVersionId: string | undefined): Promise<void> {
    await this.writeGate?.beforeWrite(secretId);
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: AWSCURRENT,
        MoveToVersionId: toVersionId,
        RemoveFromVersionId: fromVersionId,
      }),
    );
  }

  async removeStage(secretId: string, stage: string, fromVersionId: string): Promise<void> {
    await this.writeGate?.beforeWrite(secretId);
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: stage,
        RemoveFromVersionId: fromVersionId,
      }),
    );
  }

  /** Sets one tag on the secret (keyturn's own bookkeeping tags only: the role may tag no other key). */
  async tag(secretId: string, key: string, value: string): Promise<void> {
    await this.client.send(new TagResourceCommand({ SecretId: secretId, Tags: [{ Key: key, Value: value }] }));
  }

  async untag(secretId: string, key: string): Promise<void> {
    await this.client.send(new UntagResourceCommand({ SecretId: secretId, TagKeys: [key] }));
  }

  /** Every version, newest first, deprecated (unlabelled) ones included. */
  async listVersions(secretId: string): Promise<VersionSummary[]> {
    const versions: VersionSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true, NextToken: nextToken }),
      );
      for (const v of page.Versions ?? []) {
        if (v.VersionId)
          versions.push({ versionId: v.VersionId, stages: v.VersionStages ?? [], createdAt: v.CreatedDate });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return versions.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  }
}

/** The ARN of a secret's replica in `region`: the primary's ARN with the replica's region (same name and suffix). */
export function replicaArnOf(primaryArn: string, region: string): string {
  const parts = primaryArn.split(':');
  if (parts.length < 7 || parts[0] !== 'arn') return primaryArn;
  parts[3] = region;
  return parts.join(':');
}

/** The version id that holds `stage`, if any. */
export function versionWithStage(description: SecretDescription, stage: string): string | undefined {
  return Object.entries(description.versionStages).find(([, stages]) => stages.includes(stage))?.[0];
}
