import type { Server } from 'node:http';
import { createAwsJsonServer } from '../http/aws-json-server';
import { assertFaultName, FaultPlan, type PlannedFault } from '../http/fault-plan';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import { EcsError, serverException } from './errors';
import { createEcsOperations, isEcsOperation, type EcsOperationName } from './operations';
import { EcsState, type EcsDeployment, type EcsService } from './state';

/**
 * The local ECS: services and their deployments, enough for keyturn's consumer refresh (UpdateService with
 * forceNewDeployment, DescribeServices showing the deployments) and a demo (CreateService, ListServices). Point
 * an unmodified ECSClient at `endpoint` or AWS_ENDPOINT_URL_ECS. Nothing runs: deployments are records.
 */
export interface LocalEcsOptions extends LoopbackEmulatorOptions {
  readonly now?: () => Date;
}

export interface EcsFaultControl {
  /** The next `count` calls of `operation` fail with `exceptionName` (default ServerException, HTTP 500). */
  failNext(operation: EcsOperationName, count?: number, exceptionName?: string): void;
  pending(): PlannedFault<EcsOperationName, string>[];
  clear(): void;
}

class EcsFaults implements EcsFaultControl {
  private readonly plan = new FaultPlan<EcsOperationName, string>();
  failNext(operation: EcsOperationName, count = 1, exceptionName = 'ServerException'): void {
    if (!isEcsOperation(operation)) throw new RangeError(`unknown ECS operation: ${String(operation)}`);
    assertFaultName(exceptionName, 'ServerException');
    this.plan.add(operation, count, exceptionName);
  }
  pending() {
    return this.plan.pending();
  }
  clear() {
    this.plan.clear();
  }
  take(operation: EcsOperationName): void {
    const fault = this.plan.take(operation);
    if (fault !== undefined) throw new EcsError(fault, `Injected fault: ${operation} failed with ${fault}.`);
  }
}

/** A service's deployments, newest first, as the refresh left them. */
export interface LocalEcsServiceView {
  readonly serviceArn: string;
  readonly status: string;
  readonly deployments: readonly Pick<EcsDeployment, 'id' | 'status' | 'createdAt' | 'reason'>[];
}

export class LocalEcs extends LoopbackEmulator<EcsFaultControl> {
  /** @internal use startLocalEcs */
  constructor(
    server: Server,
    private readonly state: EcsState,
    faults: EcsFaults,
  ) {
    super(server, state.location, faults);
  }

  /** Creates a cluster (a fixture); returns its ARN. */
  createCluster(name: string): string {
    return this.state.createCluster(name);
  }

  /** Creates a service with one deployment (a fixture); returns its ARN. */
  createService(cluster: string, service: string, taskDefinition = 'keyturn-local:1'): string {
    return this.state.createService(cluster, service, taskDefinition).serviceArn;
  }

  service(cluster: string, service: string): LocalEcsServiceView | undefined {
    const found: EcsService | undefined = this.state.find(cluster, service);
    return found
      ? {
          serviceArn: found.serviceArn,
          status: found.status,
          deployments: found.deployments.map(({ id, status, createdAt, reason }) => ({
            id,
            status,
            createdAt,
            reason,
          })),
        }
      : undefined;
  }

  /** The older deployments finish, as once the new tasks are healthy. */
  settle(cluster: string, service: string): void {
    this.state.settle(cluster, service);
  }

  setServiceStatus(cluster: string, service: string, status: 'ACTIVE' | 'DRAINING' | 'INACTIVE'): void {
    this.state.setStatus(cluster, service, status);
  }
}

export async function startLocalEcs(options: LocalEcsOptions = {}): Promise<LocalEcs> {
  const state = new EcsState(emulatorLocation(options), options.now ?? (() => new Date()));
  const faults = new EcsFaults();
  const operations = createEcsOperations(state);
  const server = createAwsJsonServer<EcsOperationName>(
    {
      targetPrefix: 'AmazonEC2ContainerServiceV20141113.',
      displayName: 'the local ECS',
      isOperation: isEcsOperation,
      invoke(operation, input) {
        faults.take(operation);
        return operations[operation]((input ?? {}) as Record<string, unknown>);
      },
      internalError: serverException,
    },
    { maxBodyBytes: 256 * 1024 },
  );
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalEcs(server, state, faults);
}
