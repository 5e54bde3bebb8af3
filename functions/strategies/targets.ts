import type { ProbeTarget } from './probe/probe';
import type { StrategyName } from './strategy';

/**
 * What a strategy that rotates a user on a server (a database, a cache) needs from its
 * secret: the `engine` values it takes, its defaults, and whether a master user does the
 * work. Free of drivers, because the policy and the infrastructure read it too: a secret
 * keyturn creates gets these fields, the registry picks strategies by them.
 */
export interface ServerTarget {
  /** The `engine` written into a secret keyturn creates (AWS's secret shape). */
  readonly engine: string;
  /** Every `engine` a secret of this kind may name. */
  readonly engines: readonly string[];
  readonly defaultPort: number;
  /** `dbname` written into a created secret; none for targets without databases. */
  readonly defaultDatabase?: string;
  /** Whether the secret names a master secret (`masterarn`) whose user changes this one's password. */
  readonly usesMaster: boolean;
  /** Whether the target has databases (`dbname`), and RDS instances or Aurora clusters. */
  readonly relational: boolean;
  /** What an entry's probe is written in for this target (probe/probe.ts). */
  readonly probe: ProbeTarget;
}

const POSTGRES = {
  engine: 'postgres',
  engines: ['postgres'],
  defaultPort: 5432,
  defaultDatabase: 'postgres',
  probe: { engine: 'sql', dialect: 'postgres' },
} as const;
const MYSQL = {
  engine: 'mysql',
  engines: ['mysql', 'mariadb'],
  defaultPort: 3306,
  probe: { engine: 'sql', dialect: 'mysql' },
} as const;
const REDIS = {
  engine: 'redis',
  engines: ['redis'],
  defaultPort: 6379,
  relational: false,
  probe: { engine: 'redis' },
} as const;

/** Kinds whose credential is not a user's password on a server: a random value, a key an API issues. */
export const NON_SERVER_KINDS = ['random', 'iam-access-key', 'http-api-key'] as const;
export type NonServerStrategyName = (typeof NON_SERVER_KINDS)[number];

/** Every other strategy rotates a user on a server. */
export type ServerStrategyName = Exclude<StrategyName, NonServerStrategyName>;

export const SERVER_TARGETS: Readonly<Record<ServerStrategyName, ServerTarget>> = {
  'postgres-single-user': { ...POSTGRES, usesMaster: false, relational: true },
  'postgres-alternating-users': { ...POSTGRES, usesMaster: true, relational: true },
  'mysql-single-user': { ...MYSQL, usesMaster: false, relational: true },
  'mysql-alternating-users': { ...MYSQL, usesMaster: true, relational: true },
  // A Redis user holds several passwords: the master adds the new one and later removes the old one.
  'redis-user': { ...REDIS, usesMaster: true },
  // An ElastiCache RBAC user: the ElastiCache API (ModifyUser) holds its two passwords, no master user does.
  'elasticache-user': { ...REDIS, usesMaster: false },
};

export function isServerStrategy(kind: StrategyName): kind is ServerStrategyName {
  return Object.hasOwn(SERVER_TARGETS, kind);
}

export function serverTarget(kind: StrategyName): ServerTarget | undefined {
  return isServerStrategy(kind) ? SERVER_TARGETS[kind] : undefined;
}

/** Whether two kinds rotate users on the same kind of server (a master must be one of those). */
export function sameServerKind(a: StrategyName, b: StrategyName): boolean {
  const ta = serverTarget(a);
  const tb = serverTarget(b);
  return ta !== undefined && tb !== undefined && ta.engine === tb.engine;
}
