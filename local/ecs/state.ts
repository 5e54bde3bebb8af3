import { randomUUID } from 'node:crypto';
import type { EmulatorLocation } from '../http/loopback-emulator';
import { clusterNotFound, invalidParameter, serviceNotActive, serviceNotFound } from './errors';

/** One deployment of a service, as DescribeServices shows it. */
export interface EcsDeployment {
  readonly id: string;
  /** `PRIMARY` (the newest), `ACTIVE` (older, still running tasks), `INACTIVE`. */
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  readonly taskDefinition: string;
  readonly createdAt: Date;
  updatedAt: Date;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED';
  /** Why it started: `create`, `forceNewDeployment`. Not an AWS field: the emulator's own record. */
  readonly reason: string;
}

export interface EcsService {
  readonly serviceName: string;
  readonly serviceArn: string;
  readonly clusterArn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  readonly taskDefinition: string;
  readonly createdAt: Date;
  readonly deployments: EcsDeployment[];
}

const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** The local ECS's clusters and services, in memory. Deployments complete at once: nothing runs. */
export class EcsState {
  private readonly services = new Map<string, EcsService>();
  private readonly clusters = new Set<string>();

  constructor(
    readonly location: EmulatorLocation,
    private readonly now: () => Date,
  ) {}

  clusterArn(cluster: string): string {
    return `arn:aws:ecs:${this.location.region}:${this.location.accountId}:cluster/${cluster}`;
  }

  /** A cluster by name or ARN, which must exist. */
  clusterName(cluster: string | undefined): string {
    const name = (cluster ?? 'default').split('/').at(-1) ?? '';
    if (!this.clusters.has(name)) throw clusterNotFound();
    return name;
  }

  createCluster(name: string): string {
    if (!NAME.test(name)) throw invalidParameter('Cluster name must be 1-255 letters, digits, hyphens or underscores.');
    this.clusters.add(name);
    return this.clusterArn(name);
  }

  createService(cluster: string, serviceName: string, taskDefinition: string): EcsService {
    const clusterName = this.clusterName(cluster);
    if (!NAME.test(serviceName)) {
      throw invalidParameter('Service name must be 1-255 letters, digits, hyphens or underscores.');
    }
    const existing = this.services.get(`${clusterName}/${serviceName}`);
    if (existing && existing.status !== 'INACTIVE') {
      throw invalidParameter('Creation of service was not idempotent.');
    }
    const at = this.now();
    const service: EcsService = {
      serviceName,
      serviceArn: `arn:aws:ecs:${this.location.region}:${this.location.accountId}:service/${clusterName}/${serviceName}`,
      clusterArn: this.clusterArn(clusterName),
      status: 'ACTIVE',
      taskDefinition,
      createdAt: at,
      deployments: [newDeployment(taskDefinition, at, 'create')],
    };
    this.services.set(`${clusterName}/${serviceName}`, service);
    return service;
  }

  /** A service by name or ARN in the cluster; undefined when missing. */
  find(cluster: string | undefined, service: string): EcsService | undefined {
    const clusterName = this.clusterName(cluster);
    const name = service.split('/').at(-1) ?? '';
    return this.services.get(`${clusterName}/${name}`);
  }

  list(cluster: string | undefined): EcsService[] {
    const clusterName = this.clusterName(cluster);
    return [...this.services.entries()]
      .filter(([key, s]) => key.startsWith(`${clusterName}/`) && s.status !== 'INACTIVE')
      .map(([, s]) => s);
  }

  /** UpdateService: with forceNewDeployment, a new PRIMARY deployment (the previous one becomes ACTIVE). */
  update(cluster: string | undefined, service: string, forceNewDeployment: boolean): EcsService {
    const found = this.find(cluster, service);
    if (!found) throw serviceNotFound();
    if (found.status !== 'ACTIVE') throw serviceNotActive();
    if (forceNewDeployment) {
      const at = this.now();
      for (const deployment of found.deployments) {
        if (deployment.status === 'PRIMARY') {
          deployment.status = 'ACTIVE';
          deployment.updatedAt = at;
        }
      }
      found.deployments.unshift(newDeployment(found.taskDefinition, at, 'forceNewDeployment'));
    }
    return found;
  }

  /** Marks the service's older deployments done, as ECS does once the new tasks are healthy. */
  settle(cluster: string, service: string): void {
    const found = this.find(cluster, service);
    if (!found) throw serviceNotFound();
    const at = this.now();
    found.deployments.splice(
      0,
      found.deployments.length,
      ...found.deployments
        .filter((d) => d.status === 'PRIMARY')
        .map((d) => Object.assign(d, { rolloutState: 'COMPLETED' as const, updatedAt: at })),
    );
  }

  setStatus(cluster: string, service: string, status: EcsService['status']): void {
    const found = this.find(cluster, service);
    if (!found) throw serviceNotFound();
    found.status = status;
  }
}

function newDeployment(taskDefinition: string, at: Date, reason: string): EcsDeployment {
  return {
    id: `ecs-svc/${randomUUID().replace(/-/g, '').slice(0, 19)}`,
    status: 'PRIMARY',
    taskDefinition,
    createdAt: at,
    updatedAt: at,
    rolloutState: 'IN_PROGRESS',
    reason,
  };
}
