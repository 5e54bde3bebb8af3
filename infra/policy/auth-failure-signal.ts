import { z } from 'zod';
import {
  authFailureMetricTags,
  elastiCacheAuthFailureMetric,
  entryAuthFailureMetric,
  type AuthFailureMetric,
} from '../../functions/shared/auth-failure-metric';
import { LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { alternateUsername as postgresAlternate } from '../../functions/strategies/postgres/alternating-users';
import { alternateUsername as mysqlAlternate } from '../../functions/strategies/mysql/alternating-users';
import { durationSeconds } from './duration';
import { duration } from './fields';
import type { Kind, PolicyEntry } from './schema';

/**
 * An entry's auth-failure signal (`authFailures` in the policy): which failed logins count, where CloudWatch sees
 * them, and the watch windows the lifecycle keeps after the switch and after revoke (docs/auth-failure-signals.md).
 */

/** User names a log line quotes: no quotes, backslashes or spaces (the filter pattern matches them exactly). */
const LOGGED_USER = /^[^"'\\\s]{1,80}$/;
/** ElastiCache cache cluster ids (a replication group's node groups are `<group>-0001-001` ...). */
const CACHE_CLUSTER_ID = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,49}(?<!-)$/;
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;

/**
 * keyturn's own check that a revoked credential is rejected fails one login of the old user (two at most: MySQL's
 * check before and after, ElastiCache's); a threshold below 2 would make keyturn's revoke a breach of its own watch.
 */
export const MIN_AUTH_FAILURE_THRESHOLD = 2;

export const authFailuresSchema = z.strictObject({
  /** Failed logins tolerated in one watch window; one more is a breach. @default 4 (5 trip, like M4's alarm) */
  threshold: z.optional(
    z
      .int()
      .min(
        MIN_AUTH_FAILURE_THRESHOLD,
        `must be at least ${MIN_AUTH_FAILURE_THRESHOLD}: keyturn's own check that a revoked credential is rejected fails a login or two`,
      )
      .max(1_000_000),
  ),
  /** How long each watch window lasts (after the switch, after revoke). @default '15m' */
  window: z.optional(duration),
  /** How often the signal is read in a window. @default '1m' */
  checkEvery: z.optional(duration),
  /** The users whose failed logins count. @default the secret's user (and its `_clone` for alternating users) */
  users: z.optional(
    z.array(z.string().regex(LOGGED_USER, 'must be a user name without quotes, backslashes or spaces')).min(1).max(4),
  ),
  /** The log group with the server's log (a server outside RDS). @default the RDS log export named by options.rds */
  logGroup: z.optional(z.string().regex(LOG_GROUP_NAME, 'must be a CloudWatch Logs log group name')),
  /** ElastiCache: the cache cluster (node) whose AuthenticationFailures count. Required for Redis kinds. */
  cacheClusterId: z.optional(z.string().regex(CACHE_CLUSTER_ID, 'must be an ElastiCache cache cluster id')),
  /** ElastiCache: one node of the cache cluster (`0001`), to read that node's metric instead of the cluster's. */
  cacheNodeId: z.optional(z.string().regex(/^\d{4}$/, 'must be an ElastiCache cache node id such as 0001')),
});
export type AuthFailuresInput = z.infer<typeof authFailuresSchema>;

export const AUTH_FAILURE_DEFAULTS = { threshold: 4, window: '15m', checkEvery: '1m' } as const;

/** How failed logins of a database reach CloudWatch: a log group and the phrases its server logs. */
export interface AuthFailureLogFilter {
  readonly logGroupName: string;
  /** Exact phrases, any of which is one failed login of the entry's users. */
  readonly phrases: readonly string[];
}

export interface ResolvedAuthFailures {
  readonly threshold: number;
  readonly windowSeconds: number;
  readonly checkSeconds: number;
  readonly metric: AuthFailureMetric;
  /** Present for database kinds: the metric filter that makes {@link metric}. */
  readonly logFilter?: AuthFailureLogFilter;
}

type Engine = 'postgres' | 'mysql';
const ENGINE_OF: Partial<Record<Kind, Engine>> = {
  'postgres-single-user': 'postgres',
  'postgres-alternating-users': 'postgres',
  'mysql-single-user': 'mysql',
  'mysql-alternating-users': 'mysql',
};
const CACHE_KINDS: readonly Kind[] = ['redis-user', 'elasticache-user'];

/** The RDS log export where each engine logs failed logins (MySQL and MariaDB: the error log). */
const RDS_LOG_TYPE: Record<Engine, string> = { postgres: 'postgresql', mysql: 'error' };

/** The line each server writes for a failed password login of `user`, as an exact phrase. */
export function failedLoginPhrase(engine: Engine, user: string): string {
  // PostgreSQL: FATAL:  password authentication failed for user "app"
  // MySQL / MariaDB: Access denied for user 'app'@'10.0.0.5' (using password: YES)
  return engine === 'postgres'
    ? `password authentication failed for user "${user}"`
    : `Access denied for user '${user}'@`;
}

type Issue = { readonly path: (string | number)[]; readonly message: string };

function rdsOf(entry: PolicyEntry): { instance: string } | { cluster: string } | undefined {
  const options = entry.options as { rds?: { instance: string } | { cluster: string } } | undefined;
  return options?.rds;
}

function usersOf(entry: PolicyEntry, engine: Engine, settings: AuthFailuresInput): string[] | undefined {
  if (settings.users) return settings.users;
  const options = entry.options as { connection?: { username: string } } | undefined;
  const username = options?.connection?.username;
  if (username === undefined) return undefined;
  if (!entry.kind.endsWith('alternating-users')) return [username];
  return [username, engine === 'postgres' ? postgresAlternate(username) : mysqlAlternate(username)];
}

/**
 * The entry's signal, or the problems that keep it from having one (each with the field's path under the entry).
 * Kinds with nothing reliable to observe are refused by name: IAM does not record requests signed with an inactive
 * or deleted key where keyturn could count them, and a provider's failed API calls are the provider's to see.
 */
export function resolveAuthFailures(entry: PolicyEntry): {
  readonly signal?: ResolvedAuthFailures;
  readonly issues: readonly Issue[];
} {
  const settings = entry.authFailures;
  if (settings === undefined) return { issues: [] };
  const at = (...path: string[]) => ['authFailures', ...path];
  const issues: Issue[] = [];
  const windowSeconds = durationSeconds(settings.window ?? AUTH_FAILURE_DEFAULTS.window) ?? 0;
  const checkSeconds = durationSeconds(settings.checkEvery ?? AUTH_FAILURE_DEFAULTS.checkEvery) ?? 0;
  if (windowSeconds < 60 || windowSeconds > 86_400) {
    issues.push({ path: at('window'), message: 'must be from 1m to 24h (CloudWatch counts failed logins per minute)' });
  }
  if (checkSeconds < 60 || checkSeconds > windowSeconds) {
    issues.push({
      path: at('checkEvery'),
      message: `must be from 1m to the window (${settings.window ?? AUTH_FAILURE_DEFAULTS.window})`,
    });
  }
  const engine = ENGINE_OF[entry.kind];
  let metric: AuthFailureMetric | undefined;
  let logFilter: AuthFailureLogFilter | undefined;
  if (engine !== undefined) {
    const rds = rdsOf(entry);
    const logGroupName =
      settings.logGroup ??
      (rds === undefined
        ? undefined
        : 'instance' in rds
          ? `/aws/rds/instance/${rds.instance}/${RDS_LOG_TYPE[engine]}`
          : `/aws/rds/cluster/${rds.cluster}/${RDS_LOG_TYPE[engine]}`);
    if (logGroupName === undefined) {
      issues.push({
        path: at('logGroup'),
        message: 'is required unless options.rds names the RDS instance or Aurora cluster (whose log export it reads)',
      });
    }
    const users = usersOf(entry, engine, settings);
    if (users === undefined) {
      issues.push({
        path: at('users'),
        message:
          "is required for an adopted secret: synth cannot read its user names (name the secret's user" +
          `${entry.kind.endsWith('alternating-users') ? ' and its alternate, <user>_clone' : ''})`,
      });
    }
    for (const field of ['cacheClusterId', 'cacheNodeId'] as const) {
      if (settings[field] !== undefined)
        issues.push({ path: at(field), message: `is for Redis kinds, not ${entry.kind}` });
    }
    if (logGroupName !== undefined && users !== undefined) {
      metric = entryAuthFailureMetric(entry.id);
      logFilter = { logGroupName, phrases: users.map((user) => failedLoginPhrase(engine, user)) };
    }
  } else if (CACHE_KINDS.includes(entry.kind)) {
    if (settings.cacheClusterId === undefined) {
      issues.push({
        path: at('cacheClusterId'),
        message: "is required: ElastiCache's AuthenticationFailures metric is per cache cluster (node)",
      });
    } else {
      metric = elastiCacheAuthFailureMetric(settings.cacheClusterId, settings.cacheNodeId);
    }
    for (const field of ['users', 'logGroup'] as const) {
      if (settings[field] !== undefined) {
        issues.push({ path: at(field), message: `is for database kinds: ElastiCache counts every user's failed AUTH` });
      }
    }
  } else {
    issues.push({
      path: ['authFailures'],
      message:
        `${/^[aeiou]/.test(entry.kind) ? 'an' : 'a'} ${entry.kind} entry has no auth-failure signal keyturn can read: ` +
        (entry.kind === 'iam-access-key'
          ? 'AWS records no countable failure for requests signed with an inactive or deleted access key'
          : entry.kind === 'http-api-key'
            ? "a provider's rejected calls are seen only by the provider"
            : 'a random value has no server that logs failed uses'),
    });
  }
  if (issues.length > 0 || metric === undefined) return { issues };
  return {
    issues,
    signal: {
      threshold: settings.threshold ?? AUTH_FAILURE_DEFAULTS.threshold,
      windowSeconds,
      checkSeconds,
      metric,
      ...(logFilter !== undefined ? { logFilter } : {}),
    },
  };
}

/** The tags that turn the watch windows on and name the signal (none without `authFailures`). */
export function authFailureTags(signal: ResolvedAuthFailures | undefined): Record<string, string> {
  if (signal === undefined) return {};
  return {
    [LifecycleTag.authFailuresThreshold]: String(signal.threshold),
    [LifecycleTag.authFailuresWindowSeconds]: String(signal.windowSeconds),
    [LifecycleTag.authFailuresCheckSeconds]: String(signal.checkSeconds),
    ...authFailureMetricTags(signal.metric),
  };
}
