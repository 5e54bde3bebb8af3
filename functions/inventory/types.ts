/**
 * The inventory's shape: what `takeInventory` returns, the hourly check turns into metrics and log lines, and
 * `keyturn inventory --json` prints. Plain JSON: dates are ISO 8601 strings, absent facts are `null`, and no field
 * ever holds a secret value. docs/inventory.md documents it for readers of the JSON.
 */

/** What a finding is about, by code. Stable: scripts match on these. */
export const FindingCode = {
  /** A managed secret is older than its `keyturn:max-age-seconds` allows. */
  SecretOverdue: 'secret-overdue',
  /** A version of a managed secret holds AWSPENDING without AWSCURRENT, longer than the threshold. */
  StuckPending: 'stuck-pending',
  /** Rotation is turned off on a managed secret: it will become overdue. */
  RotationDisabled: 'rotation-disabled',
  /** A secret carries `keyturn:` tags but not `keyturn:managed=true`: nobody rotates it. */
  UnmanagedTagged: 'unmanaged-tagged',
  /** A managed secret whose `keyturn:entry` names no entry of the policy (or is missing). */
  NotInPolicy: 'not-in-policy',
  /** A policy entry whose secret is not in the account, is scheduled for deletion, or is not tagged as managed. */
  PolicySecretMissing: 'policy-secret-missing',
  /** A replica of a managed secret whose replication status is not InSync. */
  ReplicaOutOfSync: 'replica-out-of-sync',
  /** DescribeSecret or ListSecretVersionIds of a managed secret failed: the checks that need them were not made. */
  SecretUnreadable: 'secret-unreadable',
  /** A policy KMS key is older than its policy allows. */
  KeyOverdue: 'key-overdue',
  /** A policy KMS key (or the key its alias points at) is pending deletion. */
  KeyPendingDeletion: 'key-pending-deletion',
  /** A policy KMS key could not be read (access denied, not found, KMS failing). */
  KeyUnreadable: 'key-unreadable',
} as const;

export type FindingCodeName = (typeof FindingCode)[keyof typeof FindingCode];

/** Every code, in the order the inventory lists them. */
export const FINDING_CODES: readonly FindingCodeName[] = Object.values(FindingCode);

/** What a finding is about. */
export interface FindingSubject {
  /** A secret (by ARN), a KMS key of the policy, or a policy entry whose secret is not there. */
  readonly type: 'secret' | 'key' | 'policy-entry';
  /** The secret's ARN; the key's alias or ARN as the policy names it; the policy entry's id. */
  readonly id: string;
  /** The secret's name (secrets only), else null. */
  readonly name: string | null;
  /** The policy entry it belongs to, when known, else null. */
  readonly entryId: string | null;
}

/** One thing wrong: what, about what, and how to resolve it. Never a value. */
export interface Finding {
  readonly code: FindingCodeName;
  readonly subject: FindingSubject;
  /** What was found, with the facts (ages, dates, statuses, regions) that show it. */
  readonly message: string;
  /** What an operator does about it. The check itself never changes anything. */
  readonly resolution: string;
}

/** One replica of a secret, as DescribeSecret reports it. */
export interface InventoryReplica {
  readonly region: string;
  /** `InSync`, `InProgress` or `Failed`. */
  readonly status: string;
}

/** One managed secret (tag `keyturn:managed=true`). */
export interface InventorySecret {
  readonly arn: string;
  readonly name: string;
  /** `keyturn:entry`: the policy entry that manages it. */
  readonly entryId: string | null;
  /** `keyturn:owner`: the owning team. */
  readonly owner: string | null;
  /** `keyturn:strategy`: how it rotates (`postgres-single-user`, `random`, …). */
  readonly kind: string | null;
  readonly rotationEnabled: boolean;
  /** The last rotation, or the creation when it never rotated. */
  readonly lastRotatedAt: string;
  /** When Secrets Manager next rotates it (its schedule), if rotation is on. */
  readonly nextRotationAt: string | null;
  /** When it becomes overdue: the last rotation plus `maxAgeSeconds`. */
  readonly dueAt: string | null;
  /** `keyturn:max-age-seconds`: how old it may grow; null when the schedule sets no bound. */
  readonly maxAgeSeconds: number | null;
  readonly ageSeconds: number;
  readonly replicas: readonly InventoryReplica[];
  /** The codes of this secret's findings (details in `Inventory.findings`). */
  readonly findings: readonly FindingCodeName[];
}

/** One KMS key of the policy. */
export interface InventoryKey {
  readonly entryId: string;
  /** The alias or ARN the policy reads it by. */
  readonly keyRef: string;
  /** The key read (for an alias, the key it points at now); null when unreadable. */
  readonly keyArn: string | null;
  /** KMS's key state (`Enabled`, `PendingDeletion`, …); null when unreadable. */
  readonly keyState: string | null;
  readonly lastRotatedAt: string | null;
  readonly dueAt: string | null;
  readonly maxAgeSeconds: number;
  readonly findings: readonly FindingCodeName[];
}

/** The whole inventory. */
export interface Inventory {
  /** When it was taken (the `now` it judged ages against). */
  readonly takenAt: string;
  readonly secrets: readonly InventorySecret[];
  readonly keys: readonly InventoryKey[];
  /** Every finding, secrets first, in the order of {@link FINDING_CODES} within each. */
  readonly findings: readonly Finding[];
  /** Findings per code, every code present (0 included). */
  readonly counts: Readonly<Record<FindingCodeName, number>>;
  /** False when no policy entries were given: `not-in-policy` and `policy-secret-missing` were not checked. */
  readonly comparedWithPolicy: boolean;
  /** The largest age ÷ allowed age (1 is the edge of overdue), for secrets and keys with a bound; 0 for none. */
  readonly oldestAgeRatio: { readonly secrets: number; readonly keys: number };
}
