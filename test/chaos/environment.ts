import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { KMS_KEY_FUNCTION, ROTATE_SECRET_FUNCTION } from '../../infra/constructs/bundling-options';
import type { LocalKms } from '../../local/kms';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { loadStateMachine } from '../../local/stepfunctions/definitions';
import type { LambdaHandler } from '../../local/stepfunctions/runner';
import { Mysql8Double } from '../support/mysql8/server';
import { buildFunctionBundle, type FunctionBundle } from '../support/bundled-function';
import { REPLICA_REGION_LAG_MS } from './canary-replica-scenario';
import { FunctionRuntime } from './function-runtime';
import { ProcessOutputCapture } from './outputs';
import type { TargetKind } from './scenario';
import { credentialOf, targetDrivers, type ChaosServers, type TargetDriver } from './targets';

/**
 * What every scenario of a run shares: the local stack (Secrets Manager, EventBridge, SNS) with
 * one PostgreSQL, MariaDB and Redis (each scenario has its own user), the local IAM and KMS, the
 * rotation function's bundle and its execution environments, the kms-key function's (each its own
 * tap in front of KMS), the coordinator (run in process, as its own Lambda), and the lifecycle and
 * kms-key definitions with waits shortened.
 */

/** A lifecycle execution that runs longer than this (locally) times out: a Verify waiting on a dead rotation. */
export const LIFECYCLE_TIMEOUT_SECONDS = 45;
/** The kms-key definition names this function; each key scenario serves it with its own handler. */
export const KMS_KEY_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-chaos-kms-key';
/**
 * How long an on-demand rotation stays in progress in the local KMS: AWS rotates asynchronously, so a twin
 * or a retry of RotateKeyOnDemand meets the rotation still running (ConflictException), as it would there.
 */
const ON_DEMAND_ROTATION_MS = 300;

export interface ChaosEnvironment {
  /** Names the run's users and secrets apart from any other run's. */
  readonly runId: string;
  readonly stack: LocalStack;
  readonly servers: ChaosServers;
  readonly drivers: Readonly<Record<TargetKind, TargetDriver>>;
  readonly runtime: FunctionRuntime;
  /** The local KMS (its faults, call feed and key states). */
  readonly kms: LocalKms;
  /** The kms-key function's execution environments (their KMS requests pass the owner's tap). */
  readonly keyRuntime: FunctionRuntime;
  /** The kms-key state machine, its task function KMS_KEY_FUNCTION_ARN. */
  readonly kmsKeyDefinition: Record<string, unknown>;
  /** The coordinator function (begin, report, plan), in process. */
  readonly coordinator: LambdaHandler;
  readonly lifecycleDefinition: Record<string, unknown>;
  /** This process's stdout while scenarios run (the coordinator's logs). */
  readonly capture: ProcessOutputCapture;
  /** The servers' master passwords: never to be seen in any output. */
  readonly masterPasswords: readonly { readonly what: string; readonly value: string }[];
  /** AWSCURRENT's value of a secret, read as a consumer would (undefined if there is none). */
  readCurrent(secretArn: string): Promise<string | undefined>;
  /** Whether a secret value of this kind authenticates against its server (directly, not through a proxy). */
  authenticates(target: TargetKind, value: string): Promise<boolean>;
  stop(): Promise<void>;
}

export interface ChaosEnvironmentOptions {
  /** Execution environments kept started ahead of need. @default 3 */
  readonly warmEnvironments?: number;
}

/** The rotation function's environment: logs at their most talkative, metrics on, so the leak check sees everything. */
const FUNCTION_ENVIRONMENT: Readonly<Record<string, string>> = {
  POWERTOOLS_LOG_LEVEL: 'DEBUG',
  POWERTOOLS_METRICS_DISABLED: 'false',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export async function startChaosEnvironment(
  runId: string,
  options: ChaosEnvironmentOptions = {},
): Promise<ChaosEnvironment> {
  const [stack, bundle, keyBundle, mysql8] = await Promise.all([
    // IAM too: it also sets the admin key every process signs with (the local IAM verifies signatures).
    startLocalStack({ postgres: true, mariadb: true, redis: true, iam: true, kms: true }),
    buildFunctionBundle(ROTATE_SECRET_FUNCTION),
    buildFunctionBundle(KMS_KEY_FUNCTION),
    Mysql8Double.start(),
  ]);
  let runtime: FunctionRuntime | undefined;
  let keyRuntime: FunctionRuntime | undefined;
  try {
    const { postgres, mariadb, redis, iam, kms } = stack;
    if (!postgres || !mariadb || !redis || !iam || !kms) throw new Error('the local stack did not start every server');
    kms.setOnDemandRotationDuration(ON_DEMAND_ROTATION_MS);
    for (const [region, lagMs] of Object.entries(REPLICA_REGION_LAG_MS)) {
      stack.secretsManager.setReplicationLag(lagMs, region);
    }
    const servers: ChaosServers = { postgres, mariadb, mysql8, redis, iam };
    runtime = new FunctionRuntime({
      bundle,
      secretsManagerEndpoint: stack.secretsManager.endpoint,
      targets: [
        { endpoint: iam.iamEndpoint, variable: 'AWS_ENDPOINT_URL_IAM', preserveHost: true },
        { endpoint: iam.stsEndpoint, variable: 'AWS_ENDPOINT_URL_STS', preserveHost: true },
      ],
      // The watch windows read the scenario's signal from the local CloudWatch (never AWS's).
      environment: { ...FUNCTION_ENVIRONMENT, AWS_ENDPOINT_URL_CLOUDWATCH: stack.cloudWatch.endpoint },
      warm: options.warmEnvironments ?? 3,
    });
    keyRuntime = new FunctionRuntime({
      bundle: keyBundle,
      secretsManagerEndpoint: stack.secretsManager.endpoint,
      targets: [{ endpoint: kms.endpoint, variable: 'AWS_ENDPOINT_URL_KMS' }],
      environment: FUNCTION_ENVIRONMENT,
      warm: 2,
    });
    await Promise.all([runtime.start(), keyRuntime.start()]);
    const coordinator = await loadCoordinator();
    const drivers = targetDrivers(servers);
    return chaosEnvironment(
      runId,
      stack,
      servers,
      drivers,
      { runtime, keyRuntime, kms },
      [bundle, keyBundle],
      coordinator,
    );
  } catch (error) {
    await runtime?.stop();
    await keyRuntime?.stop();
    bundle.remove();
    keyBundle.remove();
    await Promise.all([stack.stop(), mysql8.stop()]);
    throw error;
  }
}

/** The coordinator's module, loaded with logs at DEBUG (its logger reads the level once, at load). */
async function loadCoordinator(): Promise<LambdaHandler> {
  const saved = { level: process.env.POWERTOOLS_LOG_LEVEL, metrics: process.env.POWERTOOLS_METRICS_DISABLED };
  process.env.POWERTOOLS_LOG_LEVEL = FUNCTION_ENVIRONMENT.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_METRICS_DISABLED = FUNCTION_ENVIRONMENT.POWERTOOLS_METRICS_DISABLED;
  try {
    const { handler } = await import('../../functions/coordinator/handler');
    return handler;
  } finally {
    restore('POWERTOOLS_LOG_LEVEL', saved.level);
    restore('POWERTOOLS_METRICS_DISABLED', saved.metrics);
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) Reflect.deleteProperty(process.env, name);
  else process.env[name] = value;
}

function chaosEnvironment(
  runId: string,
  stack: LocalStack,
  servers: ChaosServers,
  drivers: Readonly<Record<TargetKind, TargetDriver>>,
  functions: { readonly runtime: FunctionRuntime; readonly keyRuntime: FunctionRuntime; readonly kms: LocalKms },
  bundles: readonly FunctionBundle[],
  coordinator: LambdaHandler,
): ChaosEnvironment {
  const capture = new ProcessOutputCapture();
  const lifecycleDefinition = { ...loadStateMachine('lifecycle'), TimeoutSeconds: LIFECYCLE_TIMEOUT_SECONDS };
  const kmsKeyDefinition = loadStateMachine('kms-key', { KmsKeyFunction: KMS_KEY_FUNCTION_ARN });
  const { runtime, keyRuntime, kms } = functions;
  return {
    runId,
    stack,
    servers,
    drivers,
    runtime,
    kms,
    keyRuntime,
    kmsKeyDefinition,
    coordinator,
    lifecycleDefinition,
    capture,
    masterPasswords: [
      { what: 'the PostgreSQL master password', value: servers.postgres.masterPassword },
      { what: 'the MariaDB master password', value: servers.mariadb.masterPassword },
      { what: 'the MySQL 8 master password', value: servers.mysql8.masterPassword },
      { what: 'the Redis master password', value: servers.redis.masterPassword },
      { what: 'the local IAM admin secret access key', value: servers.iam.adminCredentials.secretAccessKey },
    ],
    async readCurrent(secretArn) {
      try {
        const out = await stack.client.send(
          new GetSecretValueCommand({ SecretId: secretArn, VersionStage: 'AWSCURRENT' }),
        );
        return out.SecretString;
      } catch {
        return undefined;
      }
    },
    authenticates: (target, value) => drivers[target].authenticates(credentialOf(target, value)),
    async stop() {
      capture.stop();
      await Promise.all([runtime.stop(), keyRuntime.stop()]);
      for (const bundle of bundles) bundle.remove();
      await Promise.all([stack.stop(), servers.mysql8.stop()]);
    },
  };
}
