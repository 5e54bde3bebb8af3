import type { EcsServiceApi } from './ecs-refresh';
import type { LambdaFunctionApi } from './lambda-refresh';

/**
 * The ECS and Lambda calls of the consumer refresh, on the AWS SDK. The clients load on first use (lazy modules
 * of the coordinator's bundle): a run without refresh targets never loads them. Endpoints come from the
 * environment (AWS_ENDPOINT_URL_ECS, AWS_ENDPOINT_URL_LAMBDA locally).
 */
export interface ConsumerApis {
  ecs(): Promise<EcsServiceApi>;
  lambda(): Promise<LambdaFunctionApi>;
}

export function sdkConsumerApis(): ConsumerApis {
  let ecs: Promise<EcsServiceApi> | undefined;
  let lambda: Promise<LambdaFunctionApi> | undefined;
  return {
    ecs: () => (ecs ??= ecsServiceApi()),
    lambda: () => (lambda ??= lambdaFunctionApi()),
  };
}

async function ecsServiceApi(): Promise<EcsServiceApi> {
  const { ECSClient, DescribeServicesCommand, UpdateServiceCommand } = await import('@aws-sdk/client-ecs');
  const client = new ECSClient({});
  const primaryOf = (deployments: readonly { status?: string; id?: string; createdAt?: Date }[] | undefined) => {
    const primary = deployments?.find((d) => d.status === 'PRIMARY');
    return primary?.id === undefined
      ? undefined
      : { id: primary.id, ...(primary.createdAt ? { createdAt: primary.createdAt } : {}) };
  };
  return {
    async describeService(cluster, service) {
      const out = await client.send(new DescribeServicesCommand({ cluster, services: [service] }));
      const found = out.services?.find((s) => s.serviceName === service || s.serviceArn?.endsWith(`/${service}`));
      if (found === undefined) return undefined;
      const primaryDeployment = primaryOf(found.deployments);
      return { status: found.status ?? 'UNKNOWN', ...(primaryDeployment ? { primaryDeployment } : {}) };
    },
    async forceNewDeployment(cluster, service) {
      const out = await client.send(new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }));
      const deploymentId = primaryOf(out.service?.deployments)?.id;
      return deploymentId === undefined ? {} : { deploymentId };
    },
  };
}

async function lambdaFunctionApi(): Promise<LambdaFunctionApi> {
  const { LambdaClient, GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } =
    await import('@aws-sdk/client-lambda');
  const client = new LambdaClient({});
  return {
    async getConfiguration(functionName) {
      const out = await client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
      const error = out.Environment?.Error;
      return {
        revisionId: out.RevisionId ?? '',
        variables: out.Environment?.Variables ?? {},
        // The code only: the message is Lambda's and need not be repeated.
        ...(error ? { environmentError: error.ErrorCode ?? 'Error' } : {}),
        ...(out.LastUpdateStatus ? { lastUpdateStatus: out.LastUpdateStatus } : {}),
      };
    },
    async updateVariables(functionName, variables, revisionId) {
      const out = await client.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: functionName,
          Environment: { Variables: { ...variables } },
          RevisionId: revisionId,
        }),
      );
      return out.RevisionId === undefined ? {} : { revisionId: out.RevisionId };
    },
  };
}
