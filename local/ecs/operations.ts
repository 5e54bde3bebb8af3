import { invalidParameter } from './errors';
import type { EcsService, EcsState } from './state';

/** The ECS operations the local ECS answers (AWS JSON 1.1, `AmazonEC2ContainerServiceV20141113.<Operation>`). */
export const ECS_OPERATION_NAMES = ['CreateService', 'DescribeServices', 'UpdateService', 'ListServices'] as const;
export type EcsOperationName = (typeof ECS_OPERATION_NAMES)[number];

export function isEcsOperation(name: string): name is EcsOperationName {
  return (ECS_OPERATION_NAMES as readonly string[]).includes(name);
}

type Input = Record<string, unknown>;

function text(input: Input, field: string, required = true): string | undefined {
  const value = input[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${field} must be a non-empty string.`);
  return value;
}

/** Timestamps travel as epoch seconds in AWS JSON. */
const seconds = (date: Date): number => date.getTime() / 1000;

function serviceOutput(service: EcsService): object {
  return {
    serviceArn: service.serviceArn,
    serviceName: service.serviceName,
    clusterArn: service.clusterArn,
    status: service.status,
    taskDefinition: service.taskDefinition,
    createdAt: seconds(service.createdAt),
    deployments: service.deployments.map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinition,
      createdAt: seconds(d.createdAt),
      updatedAt: seconds(d.updatedAt),
      rolloutState: d.rolloutState,
    })),
  };
}

export function createEcsOperations(state: EcsState): Record<EcsOperationName, (input: Input) => object> {
  return {
    CreateService(input) {
      const serviceName = text(input, 'serviceName') as string;
      const taskDefinition = text(input, 'taskDefinition', false) ?? 'keyturn-local:1';
      return {
        service: serviceOutput(
          state.createService(text(input, 'cluster', false) ?? 'default', serviceName, taskDefinition),
        ),
      };
    },
    DescribeServices(input) {
      const cluster = text(input, 'cluster', false);
      const names = input.services;
      if (!Array.isArray(names) || names.length === 0 || names.length > 10) {
        throw invalidParameter('services must list 1 to 10 services.');
      }
      const services: object[] = [];
      const failures: object[] = [];
      for (const name of names) {
        if (typeof name !== 'string') throw invalidParameter('services must be strings.');
        const found = state.find(cluster, name);
        if (found) services.push(serviceOutput(found));
        else failures.push({ arn: name, reason: 'MISSING' });
      }
      return { services, failures };
    },
    UpdateService(input) {
      const force = input.forceNewDeployment;
      if (force !== undefined && typeof force !== 'boolean')
        throw invalidParameter('forceNewDeployment must be a boolean.');
      const updated = state.update(text(input, 'cluster', false), text(input, 'service') as string, force === true);
      return { service: serviceOutput(updated) };
    },
    ListServices(input) {
      return { serviceArns: state.list(text(input, 'cluster', false)).map((s) => s.serviceArn) };
    },
  };
}
