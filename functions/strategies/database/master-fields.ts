import type { StrategyContext } from '../strategy';
import { InvalidSecretValueError } from '../errors';
import type { DatabaseLocation } from './location';
import type { MasterCredential } from './master-secret';
import type { RdsClientProvider } from './rds-client';
import type { EngineFamily } from './rds-endpoint';
import { databaseSslSchema } from './secret-fields';

/**
 * What the database strategies use of master secrets on every call. Kept apart from
 * master-secret.ts, which loads the RDS SDK: that one is imported only when a master is read.
 */

/** The `masterarn` of a secret whose strategy rotates through a master user; its absence is the secret's fault. */
export function requireMasterArn(secret: { readonly masterarn?: string }): string {
  if (!secret.masterarn) {
    throw new InvalidSecretValueError('alternating users need "masterarn": the ARN of the master user\'s secret');
  }
  return secret.masterarn;
}

/**
 * The master credential of a secret (`masterarn`): an ordinary secret on the same database or a
 * replica's primary, or the one RDS manages for it (master-secret.ts, loaded now).
 */
export async function readMasterOf(
  secret: { readonly masterarn?: string; readonly location: DatabaseLocation },
  target: { readonly family: EngineFamily; readonly defaultPort: number; readonly rds: RdsClientProvider },
  ctx: StrategyContext,
): Promise<MasterCredential> {
  const { readMasterSecret } = await import('./master-secret');
  return readMasterSecret({
    store: ctx.store,
    rds: await target.rds(),
    masterArn: requireMasterArn(secret),
    userLocation: secret.location,
    engineFamily: target.family,
    defaultPort: target.defaultPort,
  });
}

/** Whether the master's own secret asks for TLS (`ssl`); the master connects with TLS if either secret does. */
export function masterWantsTls(master: MasterCredential): boolean {
  return databaseSslSchema.safeParse(master.fields.ssl).data === true;
}
