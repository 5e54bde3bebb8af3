import type { Server } from 'node:http';
import { closeServer, endpointOf, listenOnLoopback } from '../http/listen';
import { RdsFaults, type RdsFaultControl } from './faults';
import { createOperationHandlers } from './operations';
import { createRdsServer } from './server';
import { RdsState, type DbClusterInput, type DbInstanceInput, type ServiceLocation } from './state';

/**
 * The in-process API of the local RDS: start it, point an unmodified RDSClient at `endpoint` (or
 * AWS_ENDPOINT_URL_RDS), declare DB instances and clusters (their endpoints may point at a local
 * database: 127.0.0.1 and its port), change their status, and inject faults (AccessDenied...).
 */

export interface LocalRdsOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Loopback only. @default '127.0.0.1' */
  readonly host?: '127.0.0.1';
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** The clock for creation times. */
  readonly now?: () => Date;
}

export class LocalRds {
  /** Base URL for `new RDSClient({ endpoint })` or AWS_ENDPOINT_URL_RDS. */
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** Fail the next N calls of an action with an RDS error code (default InternalFailure, HTTP 500). */
  readonly faults: RdsFaultControl;

  private stopping: Promise<void> | undefined;

  /** @internal use startLocalRds */
  constructor(
    private readonly server: Server,
    private readonly state: RdsState,
    faults: RdsFaults,
  ) {
    this.endpoint = endpointOf(server);
    this.region = state.location.region;
    this.accountId = state.location.accountId;
    this.faults = faults;
  }

  /** Adds (or replaces) a DB instance; a member's cluster must exist first. Returns its ARN. */
  addInstance(input: DbInstanceInput): string {
    return this.state.instanceArn(this.state.putInstance(input).identifier);
  }

  /** Adds (or replaces) a DB cluster; add its instances afterwards with `clusterIdentifier`. Returns its ARN. */
  addCluster(input: DbClusterInput): string {
    return this.state.clusterArn(this.state.putCluster(input).identifier);
  }

  /** `stopped`, `starting`, `available`, ... as RDS would report it. */
  setInstanceStatus(identifier: string, status: string): void {
    this.state.setInstanceStatus(identifier, status);
  }

  setClusterStatus(identifier: string, status: string): void {
    this.state.setClusterStatus(identifier, status);
  }

  removeInstance(identifier: string): void {
    this.state.removeInstance(identifier);
  }

  /** Removes the cluster and its member instances. */
  removeCluster(identifier: string): void {
    this.state.removeCluster(identifier);
  }

  instanceArn(identifier: string): string {
    return this.state.instanceArn(identifier);
  }

  clusterArn(identifier: string): string {
    return this.state.clusterArn(identifier);
  }

  stop(): Promise<void> {
    this.stopping ??= closeServer(this.server);
    return this.stopping;
  }
}

export async function startLocalRds(options: LocalRdsOptions = {}): Promise<LocalRds> {
  const location: ServiceLocation = {
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
  };
  const state = new RdsState(location, options.now ?? (() => new Date()));
  const faults = new RdsFaults();
  const server = createRdsServer(createOperationHandlers(state), faults);
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalRds(server, state, faults);
}
