import { mariadbUnavailableReason } from '../databases/mariadb-server';
import { redisServerBinary } from '../databases/redis-server';
import type { LocalStackOptions } from '../stack';

/**
 * What the drill needs beyond npm packages: Debian's MariaDB and Redis servers. Everything else (the embedded
 * PostgreSQL, keyturn's local AWS services, the state machines) comes with `npm install`, so a machine without
 * them still runs the rest of the drill, and is told what it skipped and how to enable it.
 */
export interface DrillPrerequisite {
  readonly name: 'MariaDB' | 'Redis';
  /** Undefined when installed; otherwise why the server cannot start. */
  readonly missing?: string;
  /** The one command that installs it. */
  readonly enable: string;
  /** The parts of the drill that need it. */
  readonly drills: readonly string[];
}

export function drillPrerequisites(): { readonly mariadb: DrillPrerequisite; readonly redis: DrillPrerequisite } {
  const redis = redisServerBinary();
  return {
    mariadb: {
      name: 'MariaDB',
      missing: mariadbUnavailableReason(),
      enable: 'sudo apt-get install -y mariadb-server',
      drills: ['MariaDB single user', 'MariaDB alternating users'],
    },
    redis: {
      name: 'Redis',
      missing: 'missing' in redis ? redis.missing : undefined,
      enable: 'sudo apt-get install -y redis-server',
      drills: ['Redis ACL user', 'ElastiCache user', 'Redis user through the lifecycle'],
    },
  };
}

/**
 * The local stack with every local AWS service and the throwaway databases this machine has: what the drill and
 * `npm run local` both start (ElastiCache applies its users to a redis-server, so it comes with Redis).
 */
export function installedStackOptions(prerequisites: ReturnType<typeof drillPrerequisites>): LocalStackOptions {
  const withRedis = prerequisites.redis.missing === undefined;
  return {
    postgres: true,
    mariadb: prerequisites.mariadb.missing === undefined,
    redis: withRedis,
    elasticache: withRedis,
    rds: true,
    iam: true,
    kms: true,
    dynamodb: true,
  };
}

/** The closing lines for what was skipped: one per missing server, with the command that enables it. */
export function renderSkipped(prerequisites: readonly DrillPrerequisite[]): string[] {
  const skipped = prerequisites.filter((p) => p.missing !== undefined);
  if (skipped.length === 0) return [];
  return [
    'Skipped (everything else ran):',
    ...skipped.map((p) => `  ${p.name}: ${p.drills.join(', ')}. ${p.missing ?? ''}\n    enable with: ${p.enable}`),
  ];
}
