import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TaskEnvironment } from '../functions/shared/lifecycle-contract';
import { AUDIT_EVENT_SOURCE } from '../functions/shared/metric-names';
import { startLocalCloudTrail, type LocalCloudTrail } from './cloudtrail';
import { MetricStore, startLocalCloudWatch, type LocalCloudWatch } from './cloudwatch';
import { startLocalCloudWatchLogs, type LocalCloudWatchLogs } from './cloudwatchlogs';
import { startLocalMariadb, type LocalMariadb, type LocalMariadbOptions } from './databases/mariadb';
import { startLocalPostgres, type LocalPostgres, type LocalPostgresOptions } from './databases/postgres';
import { startLocalRedis, type LocalRedis, type LocalRedisOptions } from './databases/redis';
import { startLocalDynamoDb, type LocalDynamoDb } from './dynamodb';
import { startLocalEcs, type LocalEcs } from './ecs';
import { startLocalElastiCache, type LocalElastiCache } from './elasticache';
import { recordingMetricSink, type MetricDataPoint, type MetricSink } from './elasticache/metric-sink';
import { startLocalEventBridge, type LocalEventBridge } from './eventbridge/local-eventbridge';
import { startLocalIam, type LocalIam } from './iam';
import { startLocalKms, type LocalKms } from './kms';
import { startLocalLambda, type LocalLambda } from './lambda';
import { startLocalRds, type LocalRds } from './rds';
import { startLocalSecretsManager, type LocalSecretsManager } from './secretsmanager/local-secrets-manager';
import { startServerSignals, type ServerSignals } from './server-signals';
import { startLocalSns, type LocalSns } from './sns/local-sns';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';
export const LOCAL_ROTATION_FUNCTION_ARN = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:keyturn-rotate-secret`;
/** The audit event bus and the default alert topic the local stack creates for the task functions. */
export const LOCAL_AUDIT_BUS_NAME = 'keyturn-audit';
export const LOCAL_ALERT_TOPIC_NAME = 'keyturn-alerts';
/** The audit log group, named as the deployed trail names it in stack `Keyturn` (infra/constructs/observability/audit-trail.ts). */
export const LOCAL_AUDIT_LOG_GROUP_NAME = '/keyturn/Keyturn/rotation-audit';

/** keyturn's real rotation function, wired to a local Secrets Manager and local databases. */
export interface LocalStack {
  readonly secretsManager: LocalSecretsManager;
  /** An SDK client for the local Secrets Manager, as a user's tooling would have. */
  readonly client: SecretsManagerClient;
  readonly postgres?: LocalPostgres;
  readonly mariadb?: LocalMariadb;
  readonly redis?: LocalRedis;
  /** The local RDS API (DescribeDBInstances / DescribeDBClusters), when asked for. */
  readonly rds?: LocalRds;
  /** The local ElastiCache API (DescribeUsers / ModifyUser, applied to a local redis-server), when asked for. */
  readonly elasticache?: LocalElastiCache;
  /**
   * The local IAM and STS (SigV4-verifying), when asked for. The SDK's default credentials are
   * then its admin key (`iam.adminCredentials`), so the rotation function signs as that user.
   */
  readonly iam?: LocalIam;
  /**
   * The local CloudTrail (LookupEvents), started with the local IAM or KMS and fed every call IAM
   * and STS accept and every call the KMS answers, in LOCAL_REGION (where IAM's calls are recorded too).
   */
  readonly cloudTrail?: LocalCloudTrail;
  /** The local KMS (AWS_ENDPOINT_URL_KMS), when asked for. */
  readonly kms?: LocalKms;
  /** The local DynamoDB (dynalite, in memory), when asked for; also in AWS_ENDPOINT_URL_DYNAMODB. */
  readonly dynamodb?: LocalDynamoDb;
  /** The local EventBridge: the audit events the task functions put (`eventBridge.events()`). */
  readonly eventBridge: LocalEventBridge;
  /** The local ECS (AWS_ENDPOINT_URL_ECS): consumers' services the coordinator refreshes, when asked for. */
  readonly ecs?: LocalEcs;
  /** The local Lambda API (AWS_ENDPOINT_URL_LAMBDA): consumers' functions the coordinator refreshes, when asked for. */
  readonly lambda?: LocalLambda;
  /**
   * The local CloudWatch Logs (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS), holding the audit log group
   * LOCAL_AUDIT_LOG_GROUP_NAME into which a rule on the audit bus delivers every keyturn audit event.
   */
  readonly cloudWatchLogs: LocalCloudWatchLogs;
  /**
   * The local CloudWatch metrics (AWS_ENDPOINT_URL_CLOUDWATCH). Its store is the one the local
   * CloudWatch Logs' metric filters publish into; other local services put values in-process
   * with `cloudWatch.metrics.putValue(...)`.
   */
  readonly cloudWatch: LocalCloudWatch;
  /** The local SNS: the alerts the task functions publish (`sns.messages()`). */
  readonly sns: LocalSns;
  /**
   * Failed logins where AWS publishes them (local/server-signals.ts): the PostgreSQL and MariaDB logs
   * shipped into `cloudWatchLogs` under their RDS instances' log groups (`logExports`), and the Redis
   * ACL LOG as the ElastiCache AuthenticationFailures metric (`redisAuthFailures`) into `metricSink`.
   */
  readonly serverSignals: ServerSignals;
  /** The metric points published when no `metricSink` was given (else empty); they also reach the local CloudWatch. */
  readonly metricPoints: () => readonly MetricDataPoint[];
  /** The audit bus, also in KEYTURN_AUDIT_BUS_NAME. */
  readonly auditBusName: string;
  /** The default alert topic, also in KEYTURN_DEFAULT_ALERT_TOPIC_ARN. */
  readonly alertTopicArn: string;
  /** The rotation function itself, for driving single steps by hand (optionally with Lambda's remaining time). */
  readonly rotationHandler: (
    event: unknown,
    context?: { readonly getRemainingTimeInMillis: () => number },
  ) => Promise<unknown>;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Start an embedded PostgreSQL too (with these options). @default false */
  readonly postgres?: boolean | LocalPostgresOptions;
  /** Start a throwaway MariaDB (Debian's mariadb-server) too. @default false */
  readonly mariadb?: boolean | LocalMariadbOptions;
  /** Start a throwaway redis-server with ACL users too. @default false */
  readonly redis?: boolean | LocalRedisOptions;
  /** Start the local RDS API too, and point AWS_ENDPOINT_URL_RDS at it. @default false */
  readonly rds?: boolean;
  /** Start the local ElastiCache API too, and point AWS_ENDPOINT_URL_ELASTICACHE at it. @default false */
  readonly elasticache?: boolean;
  /**
   * Start the local IAM and STS too, point AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL_STS at them,
   * and set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY to its admin key (the other local services
   * accept any signature); with them the local CloudTrail that records their calls
   * (AWS_ENDPOINT_URL_CLOUDTRAIL). @default false
   */
  readonly iam?: boolean;
  /**
   * Start the local KMS too, and point AWS_ENDPOINT_URL_KMS at it; with it the local CloudTrail
   * that records its calls (AWS_ENDPOINT_URL_CLOUDTRAIL). @default false
   */
  readonly kms?: boolean;
  /** Start a local DynamoDB (dynalite) too, and point AWS_ENDPOINT_URL_DYNAMODB at it. @default false */
  readonly dynamodb?: boolean;
  /** Turn Secrets Manager's request quotas on. @default false */
  readonly quotas?: boolean;
  /** Where local services publish CloudWatch metric points (ElastiCache AuthenticationFailures). @default kept in `metricPoints()` */
  readonly metricSink?: MetricSink;
  /**
   * Start the local ECS and Lambda APIs too (consumers' services and functions to refresh), and point
   * AWS_ENDPOINT_URL_ECS and AWS_ENDPOINT_URL_LAMBDA at them. @default false
   */
  readonly consumers?: boolean;
}

/**
 * Starts the local Secrets Manager, EventBridge, SNS, CloudWatch Logs and CloudWatch (and
 * databases), points the AWS SDK at them through AWS_ENDPOINT_URL_SECRETS_MANAGER, _EVENTBRIDGE,
 * _SNS, _CLOUDWATCH_LOGS and _CLOUDWATCH — the same variables a deployed function could use — creates the audit bus
 * (with its rule into the audit log group) and the alert topic and names them in
 * the task functions' environment (KEYTURN_AUDIT_BUS_NAME, KEYTURN_DEFAULT_ALERT_TOPIC_ARN),
 * and registers the unmodified rotation handler as the rotation Lambda. One per process: the
 * handler builds its clients once, at first import, as in Lambda.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const location = { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT };
  // One metric store: metric filters' data points are what GetMetricData reads.
  const metrics = new MetricStore();
  const optional = <Options, Server>(
    wanted: boolean | Options | undefined,
    start: (options: Options | Record<string, never>) => Promise<Server>,
  ): Promise<Server | undefined> => (wanted ? start(wanted === true ? {} : wanted) : Promise.resolve(undefined));
  // Started side by side; if one fails, the others are stopped again.
  const starting = await Promise.allSettled([
    startLocalSecretsManager({ ...location, quotas: options.quotas ?? false }),
    startLocalEventBridge(location),
    startLocalSns(location),
    startLocalCloudWatchLogs({ ...location, metrics }),
    startLocalCloudWatch({ ...location, metrics }),
    optional(options.postgres, startLocalPostgres),
    optional(options.mariadb, startLocalMariadb),
    optional(options.redis, startLocalRedis),
    optional(options.rds, () => startLocalRds(location)),
    optional(options.elasticache, () => startLocalElastiCache(location)),
    optional(options.iam, () => startLocalIam(location)),
    optional(options.iam || options.kms, () => startLocalCloudTrail(location)),
    optional(options.kms, () => startLocalKms(location)),
    optional(options.dynamodb, () => startLocalDynamoDb()),
    optional(options.consumers, () => startLocalEcs(location)),
    optional(options.consumers, () => startLocalLambda(location)),
  ] as const);
  // Whatever started is stopped again when the stack cannot come up (a start failed, or the server signals).
  const stopStarted = () =>
    Promise.allSettled(
      starting.map(
        (outcome) => (outcome.status === 'fulfilled' ? outcome.value?.stop() : undefined) ?? Promise.resolve(),
      ),
    );
  const failed = starting.find((outcome) => outcome.status === 'rejected');
  if (failed) {
    await stopStarted();
    throw failed.reason;
  }
  const [
    secretsManager,
    eventBridge,
    sns,
    cloudWatchLogs,
    cloudWatch,
    postgres,
    mariadb,
    redis,
    rds,
    elasticache,
    iam,
    cloudTrail,
    kms,
    dynamodb,
    ecs,
    lambda,
  ] = [
    valueOf(starting[0]),
    valueOf(starting[1]),
    valueOf(starting[2]),
    valueOf(starting[3]),
    valueOf(starting[4]),
    valueOf(starting[5]),
    valueOf(starting[6]),
    valueOf(starting[7]),
    valueOf(starting[8]),
    valueOf(starting[9]),
    valueOf(starting[10]),
    valueOf(starting[11]),
    valueOf(starting[12]),
    valueOf(starting[13]),
    valueOf(starting[14]),
    valueOf(starting[15]),
  ] as const;
  // Fixtures, as the CDK app would deploy them: the audit bus and the default alert topic.
  eventBridge.createEventBus(LOCAL_AUDIT_BUS_NAME);
  const alertTopicArn = sns.createTopic(LOCAL_ALERT_TOPIC_NAME);
  // The audit trail: every keyturn audit event on the audit bus into the audit log group.
  eventBridge.deliverLogGroupTargetsTo(cloudWatchLogs);
  eventBridge.putRule({
    name: 'AuditEventsToLog',
    busName: LOCAL_AUDIT_BUS_NAME,
    eventPattern: { source: [AUDIT_EVENT_SOURCE] },
    targets: [{ id: 'AuditLogGroup', arn: cloudWatchLogs.createLogGroup(LOCAL_AUDIT_LOG_GROUP_NAME) }],
  });

  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secretsManager.endpoint;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = eventBridge.endpoint;
  process.env.AWS_ENDPOINT_URL_SNS = sns.endpoint;
  process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS = cloudWatchLogs.endpoint;
  process.env.AWS_ENDPOINT_URL_CLOUDWATCH = cloudWatch.endpoint;
  if (rds) process.env.AWS_ENDPOINT_URL_RDS = rds.endpoint;
  if (elasticache) process.env.AWS_ENDPOINT_URL_ELASTICACHE = elasticache.endpoint;
  if (kms) process.env.AWS_ENDPOINT_URL_KMS = kms.endpoint;
  if (dynamodb) process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.endpoint;
  if (ecs) process.env.AWS_ENDPOINT_URL_ECS = ecs.endpoint;
  if (lambda) process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.endpoint;
  if (iam) {
    process.env.AWS_ENDPOINT_URL_IAM = iam.iamEndpoint;
    process.env.AWS_ENDPOINT_URL_STS = iam.stsEndpoint;
    // The local IAM verifies signatures: sign everything with its admin key.
    process.env.AWS_ACCESS_KEY_ID = iam.adminCredentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = iam.adminCredentials.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
  }
  if (cloudTrail) {
    if (iam) cloudTrail.follow(iam);
    if (kms) cloudTrail.followKms(kms);
    process.env.AWS_ENDPOINT_URL_CLOUDTRAIL = cloudTrail.endpoint;
  }
  const recorded = recordingMetricSink();
  let serverSignals: ServerSignals;
  try {
    serverSignals = await startServerSignals({
      postgres,
      mariadb,
      redis,
      rds,
      cloudWatchLogsEndpoint: cloudWatchLogs.endpoint,
      region: LOCAL_REGION,
      metricSink: options.metricSink ?? intoLocalCloudWatch(metrics, recorded.sink),
    });
  } catch (error) {
    await stopStarted();
    throw error;
  }

  process.env[TaskEnvironment.auditBusName] = LOCAL_AUDIT_BUS_NAME;
  process.env[TaskEnvironment.defaultAlertTopicArn] = alertTopicArn;
  process.env.AWS_REGION ??= LOCAL_REGION;
  // The other local endpoints ignore signatures, but the SDK insists on having credentials to sign with.
  process.env.AWS_ACCESS_KEY_ID ??= 'keyturn-local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'keyturn-local';

  const { handler } = await import('../functions/rotate-secret/handler');
  secretsManager.registerRotationFunction(LOCAL_ROTATION_FUNCTION_ARN, handler);
  const client = new SecretsManagerClient({ endpoint: secretsManager.endpoint, region: LOCAL_REGION });

  return {
    secretsManager,
    client,
    postgres,
    mariadb,
    redis,
    rds,
    elasticache,
    iam,
    cloudTrail,
    kms,
    dynamodb,
    eventBridge,
    ecs,
    lambda,
    cloudWatchLogs,
    cloudWatch,
    sns,
    serverSignals,
    metricPoints: () => recorded.points(),
    auditBusName: LOCAL_AUDIT_BUS_NAME,
    alertTopicArn,
    rotationHandler: handler,
    async stop() {
      // The log shippers put their last lines while CloudWatch Logs still answers.
      await serverSignals.stop();
      client.destroy();
      await secretsManager.stop();
      await eventBridge.stop();
      await sns.stop();
      await Promise.all([
        cloudWatchLogs.stop(),
        cloudWatch.stop(),
        postgres?.stop(),
        mariadb?.stop(),
        redis?.stop(),
        rds?.stop(),
        elasticache?.stop(),
        iam?.stop(),
        cloudTrail?.stop(),
        kms?.stop(),
        dynamodb?.stop(),
        ecs?.stop(),
        lambda?.stop(),
      ]);
    },
  };
}

/** The value of a start that is known to have succeeded. */
function valueOf<T>(outcome: PromiseSettledResult<T>): T {
  if (outcome.status === 'rejected') throw outcome.reason;
  return outcome.value;
}

/** The default metric sink: each point into the local CloudWatch (as ElastiCache publishes it) and kept for tests. */
function intoLocalCloudWatch(metrics: MetricStore, recorder: MetricSink): MetricSink {
  return async (point: MetricDataPoint) => {
    metrics.putValue({
      namespace: point.namespace,
      metricName: point.metricName,
      dimensions: point.dimensions,
      value: point.value,
      timestamp: point.timestamp,
      unit: 'Count',
    });
    await recorder(point);
  };
}
