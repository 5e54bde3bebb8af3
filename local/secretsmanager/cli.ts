import { parseArgs } from 'node:util';
import { startLocalSecretsManager } from './local-secrets-manager';

/**
 * Runs the local Secrets Manager on its own:
 *   npx tsx local/secretsmanager/cli.ts [--port N] [--persist FILE] [--quotas] [--region R] [--account-id A]
 * Prints the endpoint, then serves until interrupted.
 */

const USAGE =
  'usage: tsx local/secretsmanager/cli.ts [--port N] [--persist FILE] [--quotas] [--region R] [--account-id A]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      persist: { type: 'string' },
      quotas: { type: 'boolean', default: false },
      region: { type: 'string' },
      'account-id': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);

  const manager = await startLocalSecretsManager({
    port,
    persistPath: values.persist,
    quotas: values.quotas,
    region: values.region,
    accountId: values['account-id'],
  });
  console.log(`local Secrets Manager listening on ${manager.endpoint}`);
  console.log(`  export AWS_ENDPOINT_URL_SECRETS_MANAGER=${manager.endpoint}`);
  if (values.persist)
    console.log(`  persisting to ${values.persist} (values stored unencrypted: local development only)`);

  const shutdown = () => {
    void manager.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  console.error(USAGE);
  process.exit(1);
});
