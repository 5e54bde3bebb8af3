import { DEFAULT_CANARY_LABEL } from '../functions/shared/canary';
import { LifecycleTag } from '../functions/shared/lifecycle-contract';
import {
  DescribeSecretCommand,
  ListSecretVersionIdsCommand,
  type DescribeSecretResponse,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CliError, isAwsError } from './output/errors';

/** A secret as DescribeSecret tells it (metadata only: the CLI never reads a secret's value). */
export interface SecretFacts {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  readonly lastRotatedDate?: Date;
  readonly nextRotationDate?: Date;
  readonly lastChangedDate?: Date;
  readonly deletedDate?: Date;
  readonly tags: Readonly<Record<string, string>>;
  /** Version id → staging labels, as DescribeSecret lists them. */
  readonly versionStages: Readonly<Record<string, readonly string[]>>;
}

/** DescribeSecret by name or ARN; a missing secret is "secret X not found". */
export async function describeSecret(client: SecretsManagerClient, secretId: string): Promise<SecretFacts> {
  let out: DescribeSecretResponse;
  try {
    out = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) throw new CliError(`secret ${secretId} not found`);
    throw error;
  }
  if (out.ARN === undefined || out.Name === undefined)
    throw new CliError(`secret ${secretId}: DescribeSecret returned no ARN`);
  return {
    arn: out.ARN,
    name: out.Name,
    rotationEnabled: out.RotationEnabled === true,
    lastRotatedDate: out.LastRotatedDate,
    nextRotationDate: out.NextRotationDate,
    lastChangedDate: out.LastChangedDate,
    deletedDate: out.DeletedDate,
    tags: Object.fromEntries((out.Tags ?? []).flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? '']]))),
    versionStages: Object.fromEntries(
      Object.entries(out.VersionIdsToStages ?? {}).map(([id, stages]) => [id, [...stages]]),
    ),
  };
}

/** One version of a secret with its labels. */
export interface SecretVersion {
  readonly versionId: string;
  readonly stages: readonly string[];
  readonly createdDate?: Date;
}

/** Every version (also those without labels, which DescribeSecret leaves out), newest first. */
export async function listVersions(client: SecretsManagerClient, secretArn: string): Promise<SecretVersion[]> {
  const versions: SecretVersion[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListSecretVersionIdsCommand({ SecretId: secretArn, IncludeDeprecated: true, NextToken: nextToken }),
    );
    for (const v of page.Versions ?? [])
      if (v.VersionId !== undefined)
        versions.push({ versionId: v.VersionId, stages: v.VersionStages ?? [], createdDate: v.CreatedDate });
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return versions.sort((a, b) => (b.createdDate?.getTime() ?? 0) - (a.createdDate?.getTime() ?? 0));
}

/** A version labelled AWSPENDING but not AWSCURRENT: a rotation that did not finish. */
export interface StuckPending {
  readonly versionId: string;
  readonly createdDate?: Date;
  /** What the operator can do about it. */
  readonly resolution: string;
}

/** The stuck AWSPENDING of a secret's versions, if any. */
export function stuckPending(
  secret: { readonly arn: string; readonly name: string },
  versions: readonly SecretVersion[],
): StuckPending | undefined {
  const pending = versions.find((v) => v.stages.includes('AWSPENDING') && !v.stages.includes('AWSCURRENT'));
  if (pending === undefined) return undefined;
  return {
    versionId: pending.versionId,
    createdDate: pending.createdDate,
    resolution:
      `a rotation did not finish and pre-flight refuses the next one until it is resolved. Check no lifecycle run ` +
      `is still running for it (keyturn status ${secret.name}); then drop the label with \`aws secretsmanager ` +
      `update-secret-version-stage --secret-id ${secret.name} --version-stage AWSPENDING --remove-from-version-id ` +
      `${pending.versionId}\` and rotate again (keyturn rotate ${secret.name})`,
  };
}

/** A version carrying the secret's canary label (docs/canary.md): a canary in its hold, or one left behind. */
export interface CanaryHeld {
  readonly versionId: string;
  readonly label: string;
  readonly createdDate?: Date;
}

/** The version holding the canary label the secret's tags name (KEYTURN_CANARY by default), if any. */
export function canaryHeld(
  secret: { readonly tags: Readonly<Record<string, string>> },
  versions: readonly SecretVersion[],
): CanaryHeld | undefined {
  const label = secret.tags[LifecycleTag.canaryLabel] ?? DEFAULT_CANARY_LABEL;
  const held = versions.find((v) => v.stages.includes(label));
  return held === undefined ? undefined : { versionId: held.versionId, label, createdDate: held.createdDate };
}
