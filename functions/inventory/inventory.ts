import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createKmsKeyAgeReader, type KeyAgeReader } from '../freshness-check/key-reader';
import type { MonitoredKey } from '../freshness-check/monitored-keys';
import { inventoryKeys } from './keys-inventory';
import type { PolicySecret } from './policy-secrets';
import { inventorySecrets } from './secrets-inventory';
import { FINDING_CODES, type Finding, type FindingCodeName, type Inventory } from './types';

/** What {@link takeInventory} reads with and compares against. */
export interface InventoryDeps {
  /** Read only: ListSecrets, DescribeSecret, ListSecretVersionIds. */
  readonly secretsManager: SecretsManagerClient;
  /** Read only: DescribeKey, ListKeyRotations. Needed when the policy has keys. */
  readonly kms?: KMSClient;
  readonly policy: {
    /** The policy's secret entries; omit to skip `not-in-policy` and `policy-secret-missing`. */
    readonly secrets?: readonly PolicySecret[];
    /** The policy's KMS keys with the age each may reach. @default none */
    readonly keys?: readonly MonitoredKey[];
  };
  /** How long a version may hold AWSPENDING without AWSCURRENT before it counts as stuck. @default 3600 */
  readonly stuckPendingAfterSeconds?: number;
  /** Secrets described at once. @default 8 */
  readonly concurrency?: number;
}

/** Thrown when the policy has keys but no KMS client was given. */
export class InventoryDepsError extends Error {
  override readonly name = 'InventoryDepsError';
}

/** The reader when no KMS client was given: never called, as the policy then has no keys. */
const NO_KMS: KeyAgeReader = { read: () => Promise.reject(new InventoryDepsError('no KMS client was given')) };

/**
 * Every managed secret and policy key with its owner, kind, last rotation, due date and findings (types.ts): the
 * answer to "what is overdue, stuck or unmanaged?". Makes read calls only; a stuck AWSPENDING is reported with how to
 * resolve it and never changed.
 */
export async function takeInventory(deps: InventoryDeps, now: Date): Promise<Inventory> {
  const monitored = deps.policy.keys ?? [];
  if (monitored.length > 0 && !deps.kms) {
    throw new InventoryDepsError(`the policy has ${monitored.length} KMS keys but no KMS client was given`);
  }
  const keys = await inventoryKeys(deps.kms ? createKmsKeyAgeReader(deps.kms) : NO_KMS, monitored, now);
  const secrets = await inventorySecrets(
    {
      secretsManager: deps.secretsManager,
      ...(deps.policy.secrets === undefined ? {} : { policySecrets: deps.policy.secrets }),
      ...(deps.stuckPendingAfterSeconds === undefined
        ? {}
        : { stuckPendingAfterSeconds: deps.stuckPendingAfterSeconds }),
      ...(deps.concurrency === undefined ? {} : { concurrency: deps.concurrency }),
    },
    now,
  );
  const findings = [...secrets.findings, ...keys.findings];
  return {
    takenAt: now.toISOString(),
    secrets: secrets.secrets,
    keys: keys.keys,
    findings,
    counts: countByCode(findings),
    comparedWithPolicy: deps.policy.secrets !== undefined,
    oldestAgeRatio: { secrets: secrets.freshness.oldestAgeRatio, keys: keys.freshness.oldestAgeRatio },
  };
}

/** Findings per code, every code present. */
export function countByCode(findings: readonly Finding[]): Record<FindingCodeName, number> {
  const counts = Object.fromEntries(FINDING_CODES.map((code) => [code, 0])) as Record<FindingCodeName, number>;
  for (const finding of findings) counts[finding.code] += 1;
  return counts;
}
