import { paginateListSecrets, type SecretListEntry, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ManagementTag } from '../../functions/shared/management-tags';
import { owningServiceOf } from '../../functions/strategies/database/rds-managed';

/**
 * Secrets Manager secrets nothing rotates, from ListSecrets alone (metadata: never a value). Left out: secrets
 * with rotation on, secrets another AWS service owns (RDS's `rds!…` master secrets: that service rotates them),
 * and secrets keyturn already manages (tag keyturn:managed=true: the inventory reports on those).
 */

export interface UnrotatedSecret {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Rotation was configured once (a rotation function is named) and is now off. */
  readonly rotationDisabled: boolean;
  /** The key ARN (or id, or alias ARN) of a customer managed key encrypting it; absent for aws/secretsmanager. */
  readonly kmsKeyId?: string;
  readonly createdDate?: Date;
  readonly lastRotatedDate?: Date;
}

export async function listUnrotatedSecrets(client: SecretsManagerClient): Promise<UnrotatedSecret[]> {
  const found: UnrotatedSecret[] = [];
  for await (const page of paginateListSecrets({ client, pageSize: 100 }, {})) {
    for (const entry of page.SecretList ?? []) {
      const secret = unrotated(entry);
      if (secret) found.push(secret);
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

function unrotated(entry: SecretListEntry): UnrotatedSecret | undefined {
  if (entry.RotationEnabled === true || entry.ARN === undefined || entry.Name === undefined) return undefined;
  const tags = Object.fromEntries((entry.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
  if (owningServiceOf({ name: entry.Name, tags, owningService: entry.OwningService }) !== undefined) return undefined;
  if (tags[ManagementTag.managed] === 'true') return undefined;
  return {
    arn: entry.ARN,
    name: entry.Name,
    ...(entry.Description ? { description: entry.Description } : {}),
    tags,
    rotationDisabled: entry.RotationLambdaARN !== undefined && entry.RotationLambdaARN !== '',
    ...(entry.KmsKeyId ? { kmsKeyId: entry.KmsKeyId } : {}),
    ...(entry.CreatedDate ? { createdDate: entry.CreatedDate } : {}),
    ...(entry.LastRotatedDate ? { lastRotatedDate: entry.LastRotatedDate } : {}),
  };
}
