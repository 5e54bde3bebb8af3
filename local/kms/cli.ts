import { runEmulatorCommandLine, wholeNumberFlag } from '../control/command-line';
import { startLocalKms } from './local-kms';

/**
 * Runs the local KMS on its own:
 *   npx tsx local/kms/cli.ts [--port N] [--region R] [--account-id A] [--crypto-rps N]
 *     [--on-demand-limit N] [--on-demand-duration-ms MS]
 * Prints the endpoint, then serves until interrupted. The control surface (/_keyturn/) moves its
 * clock on, completes due rotations, sets the quota and plans faults.
 */

runEmulatorCommandLine({
  usage:
    'usage: tsx local/kms/cli.ts [--port N] [--region R] [--account-id A] [--crypto-rps N] [--on-demand-limit N] [--on-demand-duration-ms MS]',
  options: {
    port: { type: 'string' },
    region: { type: 'string' },
    'account-id': { type: 'string' },
    'crypto-rps': { type: 'string' },
    'on-demand-limit': { type: 'string' },
    'on-demand-duration-ms': { type: 'string' },
  },
  start: async (flags) => {
    const kms = await startLocalKms({
      port: wholeNumberFlag(flags.port, '--port', 0, 65_535),
      region: flags.region,
      accountId: flags['account-id'],
      cryptoRequestsPerSecond: wholeNumberFlag(flags['crypto-rps'], '--crypto-rps', 0),
      onDemandRotationLimit: wholeNumberFlag(flags['on-demand-limit'], '--on-demand-limit', 10),
      onDemandRotationDurationMs: wholeNumberFlag(flags['on-demand-duration-ms'], '--on-demand-duration-ms', 0),
    });
    console.log(`local KMS (${kms.region}, account ${kms.accountId}) listening on ${kms.endpoint}`);
    console.log(`  export AWS_ENDPOINT_URL_KMS=${kms.endpoint}`);
    console.log(`  control surface: ${kms.endpoint}/_keyturn/health`);
    return () => kms.stop();
  },
});
