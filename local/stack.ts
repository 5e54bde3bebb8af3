import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startLocalPostgres, type LocalPostgres, type LocalPostgresOptions } from './databases/postgres';
import { startLocalSecretsManager, type LocalSecretsManager } from './secretsmanager/local-secrets-manager';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';
export const LOCAL_ROTATION_FUNCTION_ARN = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:keyturn-rotate-secret`;

/** keyturn's real rotation function, wired to a local Secrets Manager and local databases. */
export interface LocalStack {
  readonly secretsManager: LocalSecretsManager;
  /** An SDK client for the local Secrets Manager, as a user's tooling would have. */
  readonly client: SecretsManagerClient;
  readonly postgres?: LocalPostgres;
  /** The rotation function itself, for driving single steps by hand. */
  readonly rotationHandler: (event: unknown) => Promise<void>;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Start an embedded PostgreSQL too (with these options). @default false */
  readonly postgres?: boolean | LocalPostgresOptions;
  /** Turn Secrets Manager's request quotas on. @default false */
  readonly quotas?: boolean;
}

/**
 * Starts the local Secrets Manager (and databases), points the AWS SDK at it through
 * AWS_ENDPOINT_URL_SECRETS_MANAGER — the same variable a deployed function could use —
 * and registers the unmodified rotation handler as the rotation Lambda. One per process:
 * the handler builds its client once, at first import, as in Lambda.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const secretsManager = await startLocalSecretsManager({
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    quotas: options.quotas ?? false,
  });
  let postgres: LocalPostgres | undefined;
  try {
    if (options.postgres) postgres = await startLocalPostgres(options.postgres === true ? {} : options.postgres);
  } catch (error) {
    await secretsManager.stop();
    throw error;
  }
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secretsManager.endpoint;
  process.env.AWS_REGION ??= LOCAL_REGION;
  // The local endpoint ignores signatures, but the SDK insists on having credentials to sign with.
  process.env.AWS_ACCESS_KEY_ID ??= 'keyturn-local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'keyturn-local';

  const { handler } = await import('../functions/rotate-secret/handler');
  secretsManager.registerRotationFunction(LOCAL_ROTATION_FUNCTION_ARN, handler);
  const client = new SecretsManagerClient({ endpoint: secretsManager.endpoint, region: LOCAL_REGION });

  return {
    secretsManager,
    client,
    postgres,
    rotationHandler: handler,
    async stop() {
      client.destroy();
      await secretsManager.stop();
      await postgres?.stop();
    },
  };
}
