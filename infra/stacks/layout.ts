/**
 * How a policy's entries are spread over CloudFormation stacks.
 *
 * Two CloudFormation/IAM limits shape it. A stack holds at most 500 resources, and each entry takes four
 * (created: secret, resource policy, native rotation, schedule; adopted: two tagging custom resources,
 * native rotation, schedule). And IAM caps the inline policies of one role at 10,240 characters in
 * total, while a rotation function's role lists every secret it rotates (about a hundred characters
 * each): one role cannot rotate 500 secrets. So each secrets stack has its own rotation function, scoped
 * to its own secrets, and holds at most {@link DEFAULT_MAX_ENTRIES_PER_STACK} entries and as many as fit
 * {@link DEFAULT_MAX_POLICY_CHARS} characters of secret ARNs, whichever comes first.
 *
 * Entries of one network share stacks (their function runs in that network); entries that need no
 * network share others. Stacks are named after the network and numbered within it, in policy order:
 * `KeyturnSecrets-1`, `KeyturnSecrets-orders-vpc-1`, ... A new entry added at the end of the policy never
 * moves another; removing or reordering entries can move later ones of the same network into another
 * stack, which CloudFormation cannot do in one deployment (the schedule and native rotation of the moved
 * secret would briefly exist twice). Add entries at the end.
 */
import type { ResolvedEntry, ResolvedPolicy } from '../policy/defaults';
import { iamUserOf, isServerEntry, masterOf } from '../policy/schema';

/** Entries per secrets stack: 4 resources each plus about 15 per stack stays well under 500. */
export const DEFAULT_MAX_ENTRIES_PER_STACK = 80;

/**
 * Characters of secret ARNs (rotated secrets and masters, as IAM counts them) one rotation role may list;
 * the rest of the 10,240 leaves room for its logging, KMS, queue, network and write-pacer statements.
 */
export const DEFAULT_MAX_POLICY_CHARS = 6_800;

/** The longest values of an ARN's partition, region and account, for worst-case policy sizes. */
const LONGEST_ARN_PREFIX = 'arn:aws-us-gov:secretsmanager:ap-southeast-5:123456789012:secret:';
/** Quotes and the comma around each ARN in a policy's JSON. */
const JSON_OVERHEAD = 3;

export const STACK_PREFIX = 'KeyturnSecrets';

/** One planned secrets stack. */
export interface SecretsStackPlan {
  /** Stack name and construct id. */
  readonly id: string;
  /** The network its rotation function runs in, if any (an id in the policy's `networks`). */
  readonly networkId?: string;
  readonly entries: readonly ResolvedEntry[];
  /** Estimated characters of secret ARNs in its rotation role's policy. */
  readonly policyChars: number;
}

export interface LayoutOptions {
  /** @default DEFAULT_MAX_ENTRIES_PER_STACK */
  readonly maxEntriesPerStack?: number;
  /** @default DEFAULT_MAX_POLICY_CHARS */
  readonly maxPolicyChars?: number;
}

/** The secrets stacks for `policy`, in order. */
export function planSecretsStacks(policy: ResolvedPolicy, options: LayoutOptions = {}): SecretsStackPlan[] {
  const maxEntries = options.maxEntriesPerStack ?? DEFAULT_MAX_ENTRIES_PER_STACK;
  const maxChars = options.maxPolicyChars ?? DEFAULT_MAX_POLICY_CHARS;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new Error(`maxEntriesPerStack must be a positive integer, got ${maxEntries}`);
  }
  const byId = new Map(policy.entries.map((entry) => [entry.id, entry]));

  const groups = new Map<string | undefined, ResolvedEntry[]>();
  for (const entry of policy.entries) {
    const network = networkOf(entry);
    const group = groups.get(network) ?? [];
    group.push(entry);
    groups.set(network, group);
  }

  const plans: SecretsStackPlan[] = [];
  for (const [networkId, entries] of groups) {
    let current: ResolvedEntry[] = [];
    let chars = 0;
    let masters = new Set<string>();
    const close = (): void => {
      if (current.length === 0) return;
      const n = plans.filter((p) => p.networkId === networkId).length + 1;
      plans.push({
        id: networkId === undefined ? `${STACK_PREFIX}-${n}` : `${STACK_PREFIX}-${networkId}-${n}`,
        ...(networkId === undefined ? {} : { networkId }),
        entries: current,
        policyChars: chars,
      });
      current = [];
      chars = 0;
      masters = new Set();
    };
    for (const entry of entries) {
      // Masters and admin credentials are listed once per role, however many entries share them.
      const shared = [masterArnCost(entry, byId), adminArnCost(entry)].filter(
        (c): c is { key: string; chars: number } => c !== undefined,
      );
      const cost =
        secretArnCost(entry) +
        iamArnCost(entry) +
        shared.reduce((sum, c) => sum + (masters.has(c.key) ? 0 : c.chars), 0);
      if (current.length >= maxEntries || (current.length > 0 && chars + cost > maxChars)) close();
      current.push(entry);
      chars += cost;
      for (const c of shared) masters.add(c.key);
    }
    close();
  }
  return plans;
}

/** The network an entry's rotation function must run in. */
export function networkOf(entry: ResolvedEntry): string | undefined {
  const source = entry.source;
  if (source.kind === 'http-api-key') return source.options.network;
  return isServerEntry(source) ? source.options?.network : undefined;
}

/** An http-api-key entry's admin credential secret, which its rotation role may read. */
function adminArnCost(entry: ResolvedEntry): { key: string; chars: number } | undefined {
  const source = entry.source;
  if (source.kind !== 'http-api-key' || source.options.adminSecret === undefined) return undefined;
  return { key: source.options.adminSecret.arn, chars: referenceCost(source.options.adminSecret) };
}

/** Worst-case characters the entry's secret takes in an IAM policy. */
export function secretArnCost(entry: ResolvedEntry): number {
  return referenceCost(entry.secret);
}

/** The longest prefix of an IAM user ARN (IAM is global: no region). */
const LONGEST_IAM_USER_PREFIX = 'arn:aws-us-gov:iam::123456789012:user';

/**
 * Worst-case characters an iam-access-key entry adds to the rotation role's policy: its user's ARN (the
 * statement of the user-key actions lists every user), or the role it assumes.
 */
export function iamArnCost(entry: ResolvedEntry): number {
  const user = iamUserOf(entry.source);
  if (user === undefined) return 0;
  if (user.assumeRoleArn !== undefined) return user.assumeRoleArn.length + JSON_OVERHEAD;
  return LONGEST_IAM_USER_PREFIX.length + user.path.length + user.userName.length + JSON_OVERHEAD;
}

function referenceCost(ref: { readonly name?: string; readonly arn?: string }): number {
  if (ref.arn !== undefined) return ref.arn.length + '-??????'.length + JSON_OVERHEAD;
  return LONGEST_ARN_PREFIX.length + (ref.name ?? '').length + '-??????'.length + JSON_OVERHEAD;
}

function masterArnCost(
  entry: ResolvedEntry,
  byId: ReadonlyMap<string, ResolvedEntry>,
): { key: string; chars: number } | undefined {
  const master = masterOf(entry.source);
  if (master === undefined) return undefined;
  if ('arn' in master) return { key: master.arn, chars: referenceCost(master) };
  const masterEntry = byId.get(master.entry);
  return masterEntry ? { key: master.entry, chars: secretArnCost(masterEntry) } : undefined;
}
