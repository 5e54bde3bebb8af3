import { parseArgs } from 'node:util';
import { startLocalKms } from './local-kms';

/**
 * Runs the local KMS on its own:
 *   npx tsx local/kms/cli.ts [--port N] [--region R] [--account-id A] [--crypto-rps N]
 *     [--on-demand-limit N] [--on-demand-duration-ms MS]
 * Prints the endpoint, then serves until interrupted. The control surface (/_keyturn/) moves its
 * clock on, completes due rotations, sets the quota and plans faults.
 */

const USAGE =
  'usage: tsx local/kms/cli.ts [--port N] [--region R] [--account-id A] [--crypto-rps N] [--on-demand-limit N] [--on-demand-duration-ms MS]';

function wholeNumber(text: string | undefined, flag: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new Error(`${flag} must be a whole number 0-${max}, got ${text}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      region: { type: 'string' },
      'account-id': { type: 'string' },
      'crypto-rps': { type: 'string' },
      'on-demand-limit': { type: 'string' },
      'on-demand-duration-ms': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const kms = await startLocalKms({
    port: wholeNumber(values.port, '--port', 0, 65_535),
    region: values.region,
    accountId: values['account-id'],
    cryptoRequestsPerSecond: wholeNumber(values['crypto-rps'], '--crypto-rps', 0),
    onDemandRotationLimit: wholeNumber(values['on-demand-limit'], '--on-demand-limit', 10),
    onDemandRotationDurationMs: wholeNumber(values['on-demand-duration-ms'], '--on-demand-duration-ms', 0),
  });
  console.log(`local KMS (${kms.region}, account ${kms.accountId}) listening on ${kms.endpoint}`);
  console.log(`  export AWS_ENDPOINT_URL_KMS=${kms.endpoint}`);
  console.log(`  control surface: ${kms.endpoint}/_keyturn/health`);

  const shutdown = () => {
    void kms.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  console.error(USAGE);
  process.exit(1);
});
