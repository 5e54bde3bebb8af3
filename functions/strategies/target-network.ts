import { readFileSync } from 'node:fs';

/**
 * What every strategy that opens a connection to its target shares: which socket errors mean
 * "unreachable" (nothing was changed, TargetUnreachableError), and the CA bundle TLS trusts.
 */

/** Node's socket and DNS error codes for a target that did not answer (or went away). */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
  'ENETUNREACH',
  'EPIPE',
]);

const caBundles = new Map<string, string>();

/**
 * The PEM bundle at KEYTURN_DB_CA_BUNDLE (RDS's, a private CA), read once per path; undefined:
 * Node's own roots. Read at each connection, so a changed variable takes effect.
 */
export function trustedCaBundle(): string | undefined {
  const path = process.env.KEYTURN_DB_CA_BUNDLE;
  if (!path) return undefined;
  let ca = caBundles.get(path);
  if (ca === undefined) {
    ca = readFileSync(path, 'utf8');
    caBundles.set(path, ca);
  }
  return ca;
}
