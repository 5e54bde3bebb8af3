import { describeLocation, type DatabaseLocation } from './location';
import type { RdsClientProvider } from './rds-client';
import type { EngineFamily } from './rds-endpoint';

/** Where to open a session. */
export interface ServerEndpoint {
  readonly host: string;
  readonly port: number;
  /** The RDS API named this endpoint (TLS then trusts Amazon RDS's CA bundle, see tls-trust.ts). */
  readonly viaRdsApi?: boolean;
}

/** A secret's location → where to connect: its host, or the endpoint RDS reports for its identifier. */
export type EndpointResolver = (location: DatabaseLocation) => Promise<ServerEndpoint>;

/**
 * Resolves locations of one engine family. A host is used as written (no RDS call); an RDS
 * identifier is described through RDS (rds-endpoint.ts: the instance's or the cluster writer's
 * endpoint, checked for engine and status), loaded only then.
 */
export function createEndpointResolver(
  family: EngineFamily,
  defaultPort: number,
  rds: RdsClientProvider,
): EndpointResolver {
  return async (location) => {
    if (location.host !== undefined) return { host: location.host, port: location.port ?? defaultPort };
    const { resolveDatabaseEndpoint } = await import('./rds-endpoint');
    const endpoint = await resolveDatabaseEndpoint(await rds(), location, family, { defaultPort });
    return { host: endpoint.host, port: endpoint.port, viaRdsApi: true };
  };
}

/** For messages: the location, with the default port where a host has none. */
export function describeServer(location: DatabaseLocation, defaultPort: number): string {
  return describeLocation(
    location.host !== undefined && location.port === undefined ? { ...location, port: defaultPort } : location,
  );
}
