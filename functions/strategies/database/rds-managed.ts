import type { SecretDescription } from '../../shared/secret-store';
import { RdsManagedSecretError, ServiceManagedSecretError } from './rds-errors';

/**
 * Secrets that Amazon RDS manages (ManageMasterUserPassword): named `rds!db-...` /
 * `rds!cluster-...`, DescribeSecret's `OwningService` is `rds`, their value is only
 * {"username","password"}, and tags `aws:rds:primaryDBInstanceArn` / `aws:rds:primaryDBClusterArn`
 * name the database. RDS rotates them; keyturn reads them as master secrets and never rotates them.
 */

export const RDS_OWNING_SERVICE = 'rds';
export const RDS_MANAGED_NAME_PREFIX = 'rds!';
/** The tag Secrets Manager puts on a secret another service owns. */
export const OWNING_SERVICE_TAG = 'aws:secretsmanager:owningService';
export const RDS_PRIMARY_INSTANCE_TAG = 'aws:rds:primaryDBInstanceArn';
export const RDS_PRIMARY_CLUSTER_TAG = 'aws:rds:primaryDBClusterArn';

type OwnershipFacts = Pick<SecretDescription, 'name' | 'tags' | 'owningService'>;

/** The service that owns the secret, if any (OwningService, else its tag, else an `rds!` name). */
export function owningServiceOf(description: OwnershipFacts): string | undefined {
  if (description.owningService) return description.owningService;
  const tagged = description.tags[OWNING_SERVICE_TAG];
  if (tagged) return tagged;
  return description.name.startsWith(RDS_MANAGED_NAME_PREFIX) ? RDS_OWNING_SERVICE : undefined;
}

export function isRdsManagedSecret(description: OwnershipFacts): boolean {
  return owningServiceOf(description) === RDS_OWNING_SERVICE;
}

/** The refusal for a secret another service owns, or undefined when keyturn may rotate it. */
export function managedSecretRefusal(
  description: OwnershipFacts & Pick<SecretDescription, 'arn'>,
): RdsManagedSecretError | ServiceManagedSecretError | undefined {
  const owner = owningServiceOf(description);
  if (owner === undefined) return undefined;
  if (owner === RDS_OWNING_SERVICE) {
    return new RdsManagedSecretError(
      `secret ${description.arn} is managed by Amazon RDS (OwningService rds): RDS rotates it itself; ` +
        'turn rotation on in RDS, not keyturn',
    );
  }
  return new ServiceManagedSecretError(
    `secret ${description.arn} is managed by the AWS service "${owner}" (OwningService ${owner}): ` +
      `that service rotates it itself; turn rotation on in ${owner}, not keyturn`,
  );
}

/** Throws RdsManagedSecretError (or ServiceManagedSecretError) for a secret keyturn must not rotate. */
export function assertRotatableByKeyturn(description: OwnershipFacts & Pick<SecretDescription, 'arn'>): void {
  const refusal = managedSecretRefusal(description);
  if (refusal) throw refusal;
}
