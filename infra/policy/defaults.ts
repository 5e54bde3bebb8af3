import { DEFAULT_CONSUMER_CACHE_SECONDS } from '../../functions/shared/consumer-refresh';
import { resolveAuthFailures, type ResolvedAuthFailures } from './auth-failure-signal';
import {
  DEFAULT_WRITE_QUOTA_FRACTION,
  DEFAULT_WRITE_QUOTA_PER_SECOND,
  writePace,
} from '../../functions/shared/write-pacing';
import { durationSeconds } from './duration';
import { resolveKeys, type ResolvedKey } from './resolve-keys';
import type { Kind, Policy, PolicyEntry } from './schema';

/** An entry with every default applied: what the constructs build from. */
export interface ResolvedEntry {
  readonly id: string;
  readonly kind: Kind;
  readonly secret: PolicyEntry['secret'];
  readonly owner: PolicyEntry['owner'];
  readonly consumers: NonNullable<PolicyEntry['consumers']>;
  readonly schedule: { readonly expression: string; readonly window: string };
  /** The grace the policy asks for (the lifecycle raises it to {@link consumerCacheSeconds}: see {@link effectiveGraceSeconds}). */
  readonly graceSeconds: number;
  /** The longest cache lifetime the consumers declare (5 minutes each by default); undefined without consumers. */
  readonly consumerCacheSeconds?: number;
  /** A scheduled or on-demand rotation refuses to start sooner than this after the last one. */
  readonly minIntervalSeconds: number;
  readonly revocation: {
    readonly waitForIdle: boolean;
    readonly maxWaitSeconds: number;
    readonly whenStillInUse: 'alert' | 'revoke';
    readonly terminateSessions: boolean;
  };
  readonly alertRoute: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The entry as written, for kind-specific options. */
  readonly source: PolicyEntry;
  /** The auth-failure signal and watch windows (policy `authFailures`); absent: none. */
  readonly authFailures?: ResolvedAuthFailures;
}

/** A change freeze, its times normalized to UTC (`2026-12-24T00:00:00.000Z`). */
export interface ResolvedBlackout {
  readonly start: string;
  readonly end: string;
  readonly reason?: string;
}

export interface ResolvedPolicy {
  readonly alerts: Policy['alerts'];
  readonly networks: NonNullable<Policy['networks']>;
  readonly auditRetentionDays: number;
  /** No scheduled, on-demand or fleet rotation starts inside one of these (an emergency rotation does). */
  readonly blackouts: readonly ResolvedBlackout[];
  readonly entries: readonly ResolvedEntry[];
  /** The KMS keys keyturn rotates (none when the policy has no `keys`). */
  readonly keys: readonly ResolvedKey[];
  /** How fast keyturn's rotations may write to Secrets Manager in the region, together. */
  readonly writePace: ResolvedWritePace;
}

/** keyturn's share of the region's Secrets Manager write quota. */
export interface ResolvedWritePace {
  /** The region's quota (requests per second). */
  readonly quotaPerSecond: number;
  /** keyturn's share of it. */
  readonly fraction: number;
  /** quota × share: the pace of the write pacer. */
  readonly writesPerSecond: number;
}

interface KindDefaults {
  readonly schedule: { readonly expression: string; readonly window: string };
  readonly grace: string;
  readonly minInterval: string;
  readonly revocation: {
    readonly waitForIdle: boolean;
    readonly maxWait: string;
    readonly whenStillInUse: 'alert' | 'revoke';
    readonly terminateSessions: boolean;
  };
}

/** The built-in minimum interval between two rotations of a secret, for every kind. */
export const DEFAULT_MIN_INTERVAL = '1h';

/** A user whose password changes in place: its grace only covers sessions opened before the change. */
const SINGLE_USER_DEFAULTS: KindDefaults = {
  schedule: { expression: 'rate(30 days)', window: '2h' },
  grace: '15m',
  minInterval: DEFAULT_MIN_INTERVAL,
  revocation: { waitForIdle: true, maxWait: '1h', whenStillInUse: 'alert', terminateSessions: false },
};

/** Old and new credentials both work until revoke (two users, or one user with two passwords): a full day. */
const DUAL_ACCEPT_DEFAULTS: KindDefaults = {
  schedule: { expression: 'rate(30 days)', window: '2h' },
  grace: '24h',
  minInterval: DEFAULT_MIN_INTERVAL,
  revocation: { waitForIdle: true, maxWait: '24h', whenStillInUse: 'alert', terminateSessions: false },
};

/**
 * keyturn's defaults per kind. Random keys have no target to ask about use, so nothing
 * waits for idle; a single database user's old password stops working at setSecret, so
 * its grace only covers sessions opened before; where old and new both work (alternating
 * users, Redis's several passwords) the grace is a full day. No kind rotates again within
 * an hour of its last rotation (a double click, a retried schedule).
 */
/**
 * Keys an API issues (IAM access keys, providers' API keys): old and new both work until the old one is
 * revoked at its issuer, so the grace is a day; 90 days is AWS's usual advice for access keys, and keys
 * change less often than passwords.
 */
const ISSUED_KEY_DEFAULTS: KindDefaults = {
  schedule: { expression: 'rate(90 days)', window: '4h' },
  grace: '24h',
  minInterval: DEFAULT_MIN_INTERVAL,
  revocation: { waitForIdle: true, maxWait: '24h', whenStillInUse: 'alert', terminateSessions: false },
};

export const KIND_DEFAULTS: Readonly<Record<Kind, KindDefaults>> = {
  random: {
    schedule: { expression: 'rate(90 days)', window: '4h' },
    grace: '24h',
    minInterval: DEFAULT_MIN_INTERVAL,
    revocation: { waitForIdle: false, maxWait: '0s', whenStillInUse: 'alert', terminateSessions: false },
  },
  'postgres-single-user': SINGLE_USER_DEFAULTS,
  'postgres-alternating-users': DUAL_ACCEPT_DEFAULTS,
  // MySQL 8.0.14+ keeps the old password too (dual passwords), but MariaDB does not: the shorter grace.
  'mysql-single-user': SINGLE_USER_DEFAULTS,
  'mysql-alternating-users': DUAL_ACCEPT_DEFAULTS,
  'redis-user': DUAL_ACCEPT_DEFAULTS,
  'elasticache-user': DUAL_ACCEPT_DEFAULTS,
  'iam-access-key': ISSUED_KEY_DEFAULTS,
  'http-api-key': ISSUED_KEY_DEFAULTS,
};

export const DEFAULT_AUDIT_RETENTION_DAYS = 365;

/** Entry settings over the policy's per-kind defaults over keyturn's. */
export function resolvePolicy(policy: Policy): ResolvedPolicy {
  return {
    alerts: policy.alerts,
    networks: policy.networks ?? {},
    auditRetentionDays: policy.audit?.retentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS,
    blackouts: (policy.blackouts ?? []).map((b) => ({
      start: new Date(b.start).toISOString(),
      end: new Date(b.end).toISOString(),
      ...(b.reason === undefined ? {} : { reason: b.reason }),
    })),
    entries: policy.entries.map((entry) => resolveEntry(entry, policy)),
    keys: resolveKeys(policy.keys ?? [], policy.alerts.defaultRoute),
    writePace: resolveWritePace(policy.writeQuota),
  };
}

function resolveWritePace(writeQuota: Policy['writeQuota']): ResolvedWritePace {
  const quotaPerSecond = writeQuota?.requestsPerSecond ?? DEFAULT_WRITE_QUOTA_PER_SECOND;
  const fraction = writeQuota?.fraction ?? DEFAULT_WRITE_QUOTA_FRACTION;
  return { quotaPerSecond, fraction, writesPerSecond: writePace(quotaPerSecond, fraction) };
}

function resolveEntry(entry: PolicyEntry, policy: Policy): ResolvedEntry {
  const builtIn = KIND_DEFAULTS[entry.kind];
  const fromPolicy = policy.defaults?.[entry.kind];
  const schedule = entry.schedule ?? fromPolicy?.schedule ?? builtIn.schedule;
  const revocation = { ...builtIn.revocation, ...fromPolicy?.revocation, ...entry.revocation };
  return {
    id: entry.id,
    kind: entry.kind,
    secret: entry.secret,
    owner: entry.owner,
    consumers: entry.consumers ?? [],
    schedule: { expression: schedule.expression, window: schedule.window ?? builtIn.schedule.window },
    graceSeconds: seconds(entry.grace ?? fromPolicy?.grace ?? builtIn.grace),
    ...consumerCache(entry.consumers ?? []),
    minIntervalSeconds: seconds(entry.minInterval ?? fromPolicy?.minInterval ?? builtIn.minInterval),
    revocation: {
      waitForIdle: revocation.waitForIdle,
      maxWaitSeconds: seconds(revocation.maxWait),
      whenStillInUse: revocation.whenStillInUse,
      terminateSessions: revocation.terminateSessions,
    },
    alertRoute: entry.alertRoute ?? policy.alerts.defaultRoute,
    tags: entry.tags ?? {},
    source: entry,
    ...authFailuresOf(entry),
  };
}

/** The consumers' longest cache lifetime, each one's default that of the Parameters and Secrets Lambda extension. */
function consumerCache(consumers: NonNullable<PolicyEntry['consumers']>): { consumerCacheSeconds?: number } {
  if (consumers.length === 0) return {};
  const each = consumers.map((c) => (c.cacheTtl === undefined ? DEFAULT_CONSUMER_CACHE_SECONDS : seconds(c.cacheTtl)));
  return { consumerCacheSeconds: Math.max(...each) };
}

/** The grace window a rotation of the entry waits: the policy's, raised to the consumers' longest cache lifetime. */
export function effectiveGraceSeconds(entry: Pick<ResolvedEntry, 'graceSeconds' | 'consumerCacheSeconds'>): number {
  return Math.max(entry.graceSeconds, entry.consumerCacheSeconds ?? 0);
}

function authFailuresOf(entry: PolicyEntry): { authFailures?: ResolvedAuthFailures } {
  const { signal } = resolveAuthFailures(entry);
  return signal === undefined ? {} : { authFailures: signal };
}

function seconds(duration: string): number {
  const value = durationSeconds(duration);
  if (value === undefined) throw new Error(`not a duration: ${duration}`); // the schema let it through: a bug
  return value;
}
