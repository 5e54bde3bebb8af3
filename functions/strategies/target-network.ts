/**
 * What every strategy that opens a connection to its target shares: which socket errors mean
 * "unreachable" (nothing was changed, TargetUnreachableError). What TLS trusts: tls-trust.ts.
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
