import type { IAMClient } from '@aws-sdk/client-iam';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { accessKeyFinding } from './access-key-finding';
import { listUsersWithOldKeys } from './access-keys';
import { EntryIds } from './entry-ids';
import type { Finding } from './finding';
import { kmsKeyFinding } from './kms-key-finding';
import { listUnrotatedKeys } from './kms-keys';
import { secretFinding } from './secret-finding';
import { listUnrotatedSecrets } from './secrets';

/**
 * What an account has that nothing rotates, each with the policy entry that would adopt it: Secrets Manager
 * secrets without rotation, IAM users' Active access keys older than the threshold, customer managed KMS keys
 * without rotation. Read calls only (docs/discover.md lists them); never a secret's value.
 */

export interface DiscoverClients {
  readonly secretsManager: SecretsManagerClient;
  readonly iam: IAMClient;
  readonly kms: KMSClient;
  readonly now: () => Date;
}

export interface DiscoverOptions {
  /** An Active access key older than this many days is a finding. */
  readonly accessKeyMaxAgeDays: number;
}

export const DEFAULT_ACCESS_KEY_MAX_AGE_DAYS = 90;

export async function discover(clients: DiscoverClients, options: DiscoverOptions): Promise<Finding[]> {
  const now = clients.now();
  const [secrets, users, keys] = await Promise.all([
    listUnrotatedSecrets(clients.secretsManager),
    listUsersWithOldKeys(clients.iam, { now, maxAgeDays: options.accessKeyMaxAgeDays }),
    listUnrotatedKeys(clients.kms),
  ]);
  // One set of ids for the whole run: ids are unique across the policy's entries and keys.
  const ids = new EntryIds();
  return [
    ...secrets.map((secret) => secretFinding(secret, now, ids)),
    ...users.map((user) => accessKeyFinding(user, ids)),
    ...keys.map((key) => kmsKeyFinding(key, now, ids)),
  ];
}
