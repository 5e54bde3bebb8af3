import type { RDSClient } from '@aws-sdk/client-rds';

/** The RDS client a strategy uses when a secret names its database by RDS identifier. */
export type RdsClientProvider = () => Promise<RDSClient>;

let shared: Promise<RDSClient> | undefined;

/**
 * The function's RDS client, built on first use: a rotation function whose secrets all name a
 * host never loads the RDS SDK. It honours AWS_ENDPOINT_URL_RDS like the other clients.
 */
export const lambdaRdsClient: RdsClientProvider = () =>
  (shared ??= import('@aws-sdk/client-rds').then(({ RDSClient }) => new RDSClient({})));
