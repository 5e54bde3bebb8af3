import { portFlag, runEmulatorCommandLine } from '../control/command-line';
import { startLocalSecretsManager } from './local-secrets-manager';

/**
 * Runs the local Secrets Manager on its own:
 *   npx tsx local/secretsmanager/cli.ts [--port N] [--persist FILE] [--quotas] [--region R] [--account-id A]
 *     [--replication-lag-ms N]
 * Prints the endpoint, then serves until interrupted.
 */

runEmulatorCommandLine({
  usage:
    'usage: tsx local/secretsmanager/cli.ts [--port N] [--persist FILE] [--quotas] [--region R] [--account-id A] [--replication-lag-ms N]',
  options: {
    port: { type: 'string' },
    persist: { type: 'string' },
    quotas: { type: 'boolean', default: false },
    region: { type: 'string' },
    'account-id': { type: 'string' },
    'replication-lag-ms': { type: 'string' },
  },
  start: async (flags) => {
    const manager = await startLocalSecretsManager({
      port: portFlag(flags.port, '--port'),
      persistPath: flags.persist,
      quotas: flags.quotas,
      region: flags.region,
      accountId: flags['account-id'],
      replicationLagMs: replicationLagFlag(flags['replication-lag-ms']),
    });
    console.log(`local Secrets Manager listening on ${manager.endpoint}`);
    console.log(`  export AWS_ENDPOINT_URL_SECRETS_MANAGER=${manager.endpoint}`);
    if (flags.persist)
      console.log(`  persisting to ${flags.persist} (values stored unencrypted: local development only)`);
    return () => manager.stop();
  },
});

function replicationLagFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new Error(`--replication-lag-ms must be whole milliseconds, got "${value}"`);
  return Number(value);
}
