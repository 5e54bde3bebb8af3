import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { takeInventory } from '../functions/inventory/inventory';
import { FindingCode, type FindingCodeName, type Inventory } from '../functions/inventory/types';
import { policyKeysOf, policySecretsOf } from '../infra/policy/inventory-references';
import { loadPolicy, PolicyError } from '../infra/policy/load-policy';
import { CliError } from './output/errors';

/**
 * `keyturn inventory`: the hourly check's inventory (functions/inventory), taken now from the operator's seat and
 * compared with the policy file, then narrowed to what the operator asked about. Read calls only.
 */

/** The narrowing flags, each a group of finding codes. */
export const INVENTORY_FILTERS = {
  overdue: [FindingCode.SecretOverdue, FindingCode.KeyOverdue],
  stuck: [FindingCode.StuckPending],
  unmanaged: [FindingCode.UnmanagedTagged, FindingCode.NotInPolicy, FindingCode.PolicySecretMissing],
} as const satisfies Record<string, readonly FindingCodeName[]>;

export type InventoryFilter = keyof typeof INVENTORY_FILTERS;

/** Where the policy came from, or why it was not compared. */
export interface PolicySource {
  readonly file: string;
  readonly compared: boolean;
  readonly note?: string;
}

export interface CliInventory {
  readonly inventory: Inventory;
  readonly policy: PolicySource;
  /** The flags applied; empty: everything. */
  readonly filters: readonly InventoryFilter[];
}

export interface CliInventoryDeps {
  readonly secretsManager: SecretsManagerClient;
  readonly kms: KMSClient;
  /** The policy file and whether the operator named it (a named file must exist). */
  readonly policyFile: { readonly path: string; readonly explicit: boolean };
  readonly stuckPendingAfterSeconds: number;
  readonly now: Date;
}

export async function cliInventory(deps: CliInventoryDeps, filters: readonly InventoryFilter[]): Promise<CliInventory> {
  const { policy, source } = readPolicy(deps.policyFile);
  const inventory = await takeInventory(
    {
      secretsManager: deps.secretsManager,
      kms: deps.kms,
      policy: policy === undefined ? {} : { secrets: policySecretsOf(policy), keys: policyKeysOf(policy, deps.now) },
      stuckPendingAfterSeconds: deps.stuckPendingAfterSeconds,
    },
    deps.now,
  );
  return { inventory: narrowInventory(inventory, filters), policy: source, filters };
}

/** The policy to compare with; a default file that is not there only means no comparison, a named one is an error. */
function readPolicy(file: CliInventoryDeps['policyFile']): {
  policy?: ReturnType<typeof loadPolicy>;
  source: PolicySource;
} {
  if (!existsSync(path.resolve(file.path))) {
    if (file.explicit) throw new CliError(`policy file ${file.path} not found`);
    return {
      source: {
        file: file.path,
        compared: false,
        note: `policy file ${file.path} not found: not compared with a policy (pass --policy)`,
      },
    };
  }
  try {
    return { policy: loadPolicy(file.path), source: { file: file.path, compared: true } };
  } catch (error) {
    if (error instanceof PolicyError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * Only the findings the flags ask about, and only the secrets and keys that have one; counts follow. No flags: the
 * whole inventory.
 */
export function narrowInventory(inventory: Inventory, filters: readonly InventoryFilter[]): Inventory {
  if (filters.length === 0) return inventory;
  const wanted = new Set<FindingCodeName>(filters.flatMap((filter) => INVENTORY_FILTERS[filter]));
  const keep = (codes: readonly FindingCodeName[]) => codes.filter((code) => wanted.has(code));
  const findings = inventory.findings.filter((finding) => wanted.has(finding.code));
  const counts = Object.fromEntries(
    Object.entries(inventory.counts).map(([code, count]) => [code, wanted.has(code as FindingCodeName) ? count : 0]),
  ) as Inventory['counts'];
  return {
    ...inventory,
    secrets: inventory.secrets.flatMap((s) =>
      keep(s.findings).length > 0 ? [{ ...s, findings: keep(s.findings) }] : [],
    ),
    keys: inventory.keys.flatMap((k) => (keep(k.findings).length > 0 ? [{ ...k, findings: keep(k.findings) }] : [])),
    findings,
    counts,
  };
}
