import type { KeyEntryInput } from '../../infra/policy/key-schema';
import type { PolicyEntryInput } from '../../infra/policy/schema';

/**
 * What `keyturn discover` reports: one thing in the account that nothing rotates, why, and the policy entry that
 * would put it under keyturn's rotation (or why no entry can).
 */

export type FindingKind = 'secret' | 'access-key' | 'kms-key';

/** Where in the policy file an entry goes: secrets and access keys in `entries`, KMS keys in `keys`. */
export type PolicyList = 'entries' | 'keys';

/** An entry of `entries` or `keys`, typed as the policy file takes it, so a builder cannot drift from the schema. */
export type ProposedPolicyEntry =
  | { readonly list: 'entries'; readonly entry: PolicyEntryInput }
  | { readonly list: 'keys'; readonly entry: KeyEntryInput };

export type Proposal = ProposedPolicyEntry & {
  /** What to check or fill in before deploying: comment lines above the entry in the snippet. */
  readonly notes: readonly string[];
  /** A trailing comment on one top-level field of the entry (the owner's placeholder, say). */
  readonly fieldNotes?: Readonly<Record<string, string>>;
};

/** No entry can adopt it (keyturn has no strategy for it): the reason takes the entry's place. */
export interface NoProposal {
  readonly list: PolicyList;
  readonly entry: null;
  readonly notes: readonly string[];
}

export interface Finding {
  readonly kind: FindingKind;
  /** The secret's, the IAM user's or the KMS key's ARN. */
  readonly arn: string;
  /** The secret's name, the user's name, or the key's alias (its id without one). */
  readonly name: string;
  /** One line: "no rotation configured", "access key AKIA… 412 days old". */
  readonly reason: string;
  /** Days since the secret was last rotated or created, the oldest key was created, the KMS key was created. */
  readonly ageDays?: number;
  readonly proposal: Proposal | NoProposal;
}

/** The placeholder owner of a proposed entry: valid in a policy, and plainly something to fill in. */
export const OWNER_PLACEHOLDER = 'TODO';
export const OWNER_PLACEHOLDER_NOTE = 'TODO: the team that owns it (and a contact email)';

const DAY_MS = 86_400_000;

/** Whole days from `since` to `now` (0 for a date in the future: a skewed clock). */
export function daysBetween(since: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - since.getTime()) / DAY_MS));
}
