import { startLocalCloudFormation, type LocalCloudFormation } from '../cloudformation';
import { drillPrerequisites, installedStackOptions, type DrillPrerequisite } from '../drill/prerequisites';
import { LOCAL_REGION, startLocalStack, type LocalStack } from '../stack';
import { startLocalStepFunctions, type LocalStepFunctions } from '../stepfunctions';
import { seedDemoSecrets, type DemoSecret } from './demo-secrets';
import { keyturnStateMachines, LOCAL_STATE_MACHINE_NAMES } from './keyturn-state-machines';
import { keyturnStackOutputs } from './stack-outputs';

/**
 * `npm run local`'s stack, up until stopped: keyturn's local AWS services, the throwaway databases
 * that are installed, the rotation function, the local Step Functions API serving keyturn's state
 * machines, the local CloudFormation with the Keyturn stack's outputs, and demo secrets.
 */

/** One local service: what it is, where it listens, and the variable the AWS SDKs and CLI read for it. */
export interface ServiceEndpoint {
  readonly name: string;
  readonly endpoint: string;
  /** `AWS_ENDPOINT_URL_<serviceId>`, as the SDKs derive it from the service's id. */
  readonly envVar: string;
}

/** The throwaway database servers `npm run local` can start. */
export const LOCAL_DATABASES = ['postgres', 'mariadb', 'redis'] as const;
export type LocalDatabase = (typeof LOCAL_DATABASES)[number];

export interface LocalAwsOptions {
  /** The longest a Wait state pauses, in ms (a grace window of hours takes this). */
  readonly maxWaitMs: number;
  /** Which throwaway servers to start, of those installed. @default all of them */
  readonly databases?: readonly LocalDatabase[];
}

export interface LocalAws {
  readonly region: string;
  readonly endpoints: readonly ServiceEndpoint[];
  /** What to export for the SDKs and the AWS CLI: endpoints, region, credentials. */
  readonly environment: Readonly<Record<string, string>>;
  readonly stateMachineArns: Readonly<Record<string, string>>;
  readonly demoSecrets: readonly DemoSecret[];
  /** The throwaway database servers, `host:port`, by name. */
  readonly databases: Readonly<Record<string, string>>;
  /** Prerequisites that are not installed, with what they would enable. */
  readonly skipped: readonly DrillPrerequisite[];
  stop(): Promise<void>;
}

export async function startLocalAws(options: LocalAwsOptions): Promise<LocalAws> {
  const prerequisites = drillPrerequisites();
  const wanted = new Set<LocalDatabase>(options.databases ?? LOCAL_DATABASES);
  const installed = installedStackOptions(prerequisites);
  const stack = await startLocalStack({
    ...installed,
    postgres: wanted.has('postgres'),
    mariadb: wanted.has('mariadb') && installed.mariadb === true,
    redis: wanted.has('redis') && installed.redis === true,
    elasticache: wanted.has('redis') && installed.elasticache === true,
  });
  const stoppers: (() => Promise<void>)[] = [() => stack.stop()];
  const stopAll = async () => {
    // Last started, first stopped: executions end before the services they call go away.
    for (const stop of stoppers.reverse()) await stop();
  };
  try {
    const machines = await keyturnStateMachines(stack);
    const stepFunctions = await startLocalStepFunctions({
      region: LOCAL_REGION,
      stateMachines: machines.stateMachines,
      run: { lambdaHandlers: machines.lambdaHandlers, wait: { maxMs: options.maxWaitMs } },
    });
    stoppers.push(() => stepFunctions.stop());
    const cloudFormation = await startLocalCloudFormation({ region: LOCAL_REGION, stacks: [keyturnStackOutputs()] });
    stoppers.push(() => cloudFormation.stop());
    const endpoints = stackEndpoints(stack, stepFunctions, cloudFormation);
    // The demo secrets' rotations, and tools run in this process, reach the same endpoints.
    for (const { envVar, endpoint } of endpoints) process.env[envVar] = endpoint;
    const demoSecrets = await seedDemoSecrets(stack);
    return {
      region: LOCAL_REGION,
      endpoints,
      environment: {
        ...Object.fromEntries(endpoints.map(({ envVar, endpoint }) => [envVar, endpoint])),
        AWS_REGION: LOCAL_REGION,
        // AWS CLI v1 reads only this one.
        AWS_DEFAULT_REGION: LOCAL_REGION,
        // The local IAM verifies signatures with its admin key; every other local service accepts any.
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? '',
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? '',
      },
      stateMachineArns: Object.fromEntries(
        Object.values(LOCAL_STATE_MACHINE_NAMES).map((name) => [name, stepFunctions.stateMachineArn(name)]),
      ),
      demoSecrets,
      databases: databaseAddresses(stack),
      skipped: [
        ...(wanted.has('mariadb') ? [prerequisites.mariadb] : []),
        ...(wanted.has('redis') ? [prerequisites.redis] : []),
      ].filter((p) => p.missing !== undefined),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function stackEndpoints(
  stack: LocalStack,
  stepFunctions: LocalStepFunctions,
  cloudFormation: LocalCloudFormation,
): ServiceEndpoint[] {
  const endpoints: (ServiceEndpoint | undefined)[] = [
    { name: 'Step Functions', endpoint: stepFunctions.endpoint, envVar: 'AWS_ENDPOINT_URL_SFN' },
    { name: 'CloudFormation', endpoint: cloudFormation.endpoint, envVar: 'AWS_ENDPOINT_URL_CLOUDFORMATION' },
    { name: 'Secrets Manager', endpoint: stack.secretsManager.endpoint, envVar: 'AWS_ENDPOINT_URL_SECRETS_MANAGER' },
    { name: 'EventBridge', endpoint: stack.eventBridge.endpoint, envVar: 'AWS_ENDPOINT_URL_EVENTBRIDGE' },
    { name: 'SNS', endpoint: stack.sns.endpoint, envVar: 'AWS_ENDPOINT_URL_SNS' },
    {
      name: 'CloudWatch Logs',
      endpoint: stack.cloudWatchLogs.endpoint,
      envVar: 'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
    },
    { name: 'CloudWatch', endpoint: stack.cloudWatch.endpoint, envVar: 'AWS_ENDPOINT_URL_CLOUDWATCH' },
    stack.kms && { name: 'KMS', endpoint: stack.kms.endpoint, envVar: 'AWS_ENDPOINT_URL_KMS' },
    stack.dynamodb && { name: 'DynamoDB', endpoint: stack.dynamodb.endpoint, envVar: 'AWS_ENDPOINT_URL_DYNAMODB' },
    stack.rds && { name: 'RDS', endpoint: stack.rds.endpoint, envVar: 'AWS_ENDPOINT_URL_RDS' },
    stack.elasticache && {
      name: 'ElastiCache',
      endpoint: stack.elasticache.endpoint,
      envVar: 'AWS_ENDPOINT_URL_ELASTICACHE',
    },
    stack.iam && { name: 'IAM', endpoint: stack.iam.iamEndpoint, envVar: 'AWS_ENDPOINT_URL_IAM' },
    stack.iam && { name: 'STS', endpoint: stack.iam.stsEndpoint, envVar: 'AWS_ENDPOINT_URL_STS' },
    stack.cloudTrail && {
      name: 'CloudTrail',
      endpoint: stack.cloudTrail.endpoint,
      envVar: 'AWS_ENDPOINT_URL_CLOUDTRAIL',
    },
  ];
  return endpoints.filter((endpoint): endpoint is ServiceEndpoint => endpoint !== undefined);
}

function databaseAddresses(stack: LocalStack): Record<string, string> {
  const servers: [string, { readonly host: string; readonly port: number } | undefined][] = [
    ['PostgreSQL', stack.postgres],
    ['MariaDB', stack.mariadb],
    ['Redis', stack.redis],
  ];
  return Object.fromEntries(
    servers.flatMap(([name, server]) => (server ? [[name, `${server.host}:${String(server.port)}`]] : [])),
  );
}
