import { InvalidSecretValueError } from '../errors';
import type { MasterCredential } from './master-secret';
import { databaseSslSchema } from './secret-fields';

/**
 * The small parts of master-secret handling the strategies use on every call. Kept apart from
 * master-secret.ts, which loads the RDS SDK and is imported only when a master is read.
 */
/** The `masterarn` of a secret whose strategy rotates through a master user; its absence is the secret's fault. */
export function requireMasterArn(secret: { readonly masterarn?: string }): string {
  if (!secret.masterarn) {
    throw new InvalidSecretValueError('alternating users need "masterarn": the ARN of the master user\'s secret');
  }
  return secret.masterarn;
}

/** Whether the master's own secret asks for TLS (`ssl`); the master connects with TLS if either secret does. */
export function masterWantsTls(master: MasterCredential): boolean {
  return databaseSslSchema.safeParse(master.fields.ssl).data === true;
}
