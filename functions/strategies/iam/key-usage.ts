import { usageWindowStart } from '../recent-use';
import type { UsageReport } from '../strategy';
import { KEY_CHECK_USER_AGENT, type KeyLastUse, type SignedCall } from './iam-api';

/**
 * Whether an old access key is still in use, from two sources of different grain (pure: the strategy
 * gathers the facts):
 * - IAM's GetAccessKeyLastUsed: every service and region, data events included, but coarse (IAM keeps the
 *   time to the hour, per the task brief; the API reference documents only a timestamp): a real use lies in
 *   [lastUsedAt, lastUsedAt + 1 h).
 * - CloudTrail's event history (LookupEvents by AccessKeyId): each call with its time, but management
 *   events only, one region per lookup, visible minutes after the call. It proves use; its silence does not
 *   prove disuse, so it never turns a doubt into "idle".
 * "In use" means used within the last hour and after the new key was stored (recent-use.ts). keyturn's own
 * checks (sts:GetCallerIdentity with KEY_CHECK_USER_AGENT) are left out.
 */

/** IAM's last-used time is coarse (hours): a use within this much of a moment cannot be placed before or after it. */
export const LAST_USE_PRECISION_MS = 3_600_000;
/** At most this many calls are read from each region's event history. */
export const TRAIL_CALLS_READ = 50;
/** How many calls the evidence names. */
const CALLS_NAMED = 3;

export interface TrailLookup {
  readonly region: string;
  /** The calls signed with the key from `KeyUsageFacts.from` on, or why the lookup failed. */
  readonly outcome: { readonly calls: readonly SignedCall[] } | { readonly failed: string };
}

export interface KeyUsageFacts {
  readonly accessKeyId: string;
  readonly lastUse: KeyLastUse;
  /** When the new key was stored (the replacement version's creation); unknown: no use can be placed. */
  readonly replacementStoredAt?: Date;
  readonly now: Date;
  /** The event history lookups made (none: not configured, or not needed). */
  readonly trail: readonly TrailLookup[];
}

/**
 * Whether IAM's last-used date alone settles the question as "not in use" (so no event history lookup is
 * needed): never used, or last used (to IAM's precision) before the window began.
 */
export function idleByLastUse(lastUse: KeyLastUse, from: Date): boolean {
  return lastUse.lastUsedAt === undefined || lastUse.lastUsedAt.getTime() + LAST_USE_PRECISION_MS <= from.getTime();
}

const iso = (date: Date) => date.toISOString();

/** CloudTrail dates events to the whole second: a call in the window's first second may be stamped before it. */
export function trailStart(from: Date): Date {
  return new Date(Math.floor(from.getTime() / 1000) * 1000);
}

/** The calls of clients (keyturn's own checks left out), newest first. */
function clientCalls(trail: readonly TrailLookup[], from: Date): SignedCall[] {
  const start = trailStart(from).getTime();
  return trail
    .flatMap((lookup) => ('calls' in lookup.outcome ? lookup.outcome.calls : []))
    .filter((call) => call.at.getTime() >= start && !(call.userAgent ?? '').includes(KEY_CHECK_USER_AGENT))
    .sort((a, b) => b.at.getTime() - a.at.getTime());
}

/** One sentence on what the event history showed (never a value: event names, sources, times, regions). */
function trailSentence(trail: readonly TrailLookup[], calls: readonly SignedCall[], from: Date): string {
  if (trail.length === 0) return '';
  const regions = trail.map((t) => t.region).join(', ');
  const failed = trail.flatMap((t) => ('failed' in t.outcome ? [`${t.region}: ${t.outcome.failed}`] : []));
  const failures = failed.length ? `; lookup failed in ${failed.join('; ')}` : '';
  if (calls.length === 0) {
    return (
      ` CloudTrail event history (${regions}) shows no client call since ${iso(from)}${failures}` +
      ' (it lags by minutes and holds management events only, so this proves nothing).'
    );
  }
  const named = calls
    .slice(0, CALLS_NAMED)
    .map((c) => `${c.eventSource.replace(/\.amazonaws\.com$/, '')}:${c.eventName} at ${iso(c.at)} (${c.region})`);
  const more = calls.length > CALLS_NAMED ? ` and ${calls.length - CALLS_NAMED} more` : '';
  return ` CloudTrail event history (${regions}): ${calls.length} client call(s) since ${iso(from)}: ${named.join(', ')}${more}${failures}.`;
}

export function judgeKeyUsage(facts: KeyUsageFacts): UsageReport {
  const { accessKeyId: id, lastUse, replacementStoredAt, now } = facts;
  const coarse = ' IAM records last use coarsely (to the hour), so a use within an hour of a moment cannot be placed.';
  const { lastUsedAt, serviceName } = lastUse;
  if (!lastUsedAt) return { inUse: false, evidence: `access key ${id} was never used (GetAccessKeyLastUsed)` };
  const last = `access key ${id} was last used ${iso(lastUsedAt)}${serviceName ? ` (${serviceName})` : ''}`;
  if (!replacementStoredAt) {
    return { inUse: 'unknown', evidence: `${last}; the replacement version has no creation time` };
  }
  const from = usageWindowStart(replacementStoredAt, now);
  const since = `since ${iso(from)} (the later of the new key's storing at ${iso(replacementStoredAt)} and an hour ago)`;
  const calls = clientCalls(facts.trail, from);
  const trail = trailSentence(facts.trail, calls, from);
  if (calls.length > 0) return { inUse: true, evidence: `${last}; it was used ${since}.${trail}` };
  if (idleByLastUse(lastUse, from)) {
    return { inUse: false, evidence: `${last}: not ${since}.${coarse}${trail}` };
  }
  if (lastUsedAt.getTime() >= from.getTime()) {
    return { inUse: true, evidence: `${last}: used ${since}.${coarse}${trail}` };
  }
  return {
    inUse: 'unknown',
    evidence: `${last}, within IAM's hour of ${iso(from)} (keyturn's own pre-flight check uses the key before the switch).${coarse}${trail}`,
  };
}
