import type { Server } from 'node:http';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import { RdsFaults, type RdsFaultControl } from './faults';
import { createOperationHandlers } from './operations';
import { createRdsServer } from './server';
import { RdsState, type DbClusterInput, type DbInstanceInput } from './state';

/**
 * The in-process API of the local RDS: start it, point an unmodified RDSClient at `endpoint` (or
 * AWS_ENDPOINT_URL_RDS), declare DB instances and clusters (their endpoints may point at a local
 * database: 127.0.0.1 and its port), change their status, and inject faults (AccessDenied...).
 */

export interface LocalRdsOptions extends LoopbackEmulatorOptions {
  /** The clock for creation times. */
  readonly now?: () => Date;
}

/**
 * `endpoint`: for `new RDSClient({ endpoint })` or AWS_ENDPOINT_URL_RDS. `faults`: fail the next N
 * calls of an action with an RDS error code (default InternalFailure, HTTP 500).
 */
export class LocalRds extends LoopbackEmulator<RdsFaultControl> {
  /** @internal use startLocalRds */
  constructor(
    server: Server,
    private readonly state: RdsState,
    faults: RdsFaults,
  ) {
    super(server, state.location, faults);
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
}

export async function startLocalRds(options: LocalRdsOptions = {}): Promise<LocalRds> {
  const location = emulatorLocation(options);
  const state = new RdsState(location, options.now ?? (() => new Date()));
  const faults = new RdsFaults();
  const server = createRdsServer(createOperationHandlers(state), faults);
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalRds(server, state, faults);
}
