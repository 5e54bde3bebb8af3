import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { LocalMariadb } from './databases/mariadb';
import type { LocalPostgres } from './databases/postgres';
import type { LocalRedis } from './databases/redis';
import { startAuthFailurePoller, type AuthFailurePoller } from './elasticache/auth-failure-poller';
import type { MetricSink } from './elasticache/metric-sink';
import { mysqlLineTimestamp, postgresLineTimestamp, rdsLogGroupName, startServerLogExport } from './logexport';
import type { ServerLogExport } from './logexport';
import type { LocalRds } from './rds';

/**
 * What the local stack's throwaway servers tell about failed logins, where AWS would publish it:
 * the PostgreSQL and MariaDB logs go to the local CloudWatch Logs under the log group of the RDS
 * instance each server stands for (`/aws/rds/instance/<id>/postgresql`, `.../error`), and the
 * Redis ACL LOG becomes the AuthenticationFailures metric of the ElastiCache node it stands for.
 * With the local RDS, the instances are declared there too, with the servers' endpoints.
 */

/** The DB instance identifiers and the cache cluster id the local servers stand for. */
export const LOCAL_RDS_POSTGRES_INSTANCE = 'keyturn-local-postgres';
export const LOCAL_RDS_MARIADB_INSTANCE = 'keyturn-local-mariadb';
export const LOCAL_ELASTICACHE_CLUSTER = 'keyturn-local-redis';

export interface ServerSignalsOptions {
  readonly postgres?: LocalPostgres;
  readonly mariadb?: LocalMariadb;
  readonly redis?: LocalRedis;
  readonly rds?: LocalRds;
  readonly cloudWatchLogsEndpoint: string;
  readonly region: string;
  readonly metricSink: MetricSink;
}

export interface ServerSignals {
  readonly logExports: { readonly postgres?: ServerLogExport; readonly mariadb?: ServerLogExport };
  readonly redisAuthFailures?: AuthFailurePoller;
  /** Ships what the logs hold and stops (before the servers and CloudWatch Logs stop). */
  stop(): Promise<void>;
}

export async function startServerSignals(options: ServerSignalsOptions): Promise<ServerSignals> {
  const client = new CloudWatchLogsClient({
    endpoint: options.cloudWatchLogsEndpoint,
    region: options.region,
    // The local CloudWatch Logs does not check signatures, but the SDK signs every request.
    credentials: { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' },
  });
  const exportLog = (
    server: LocalPostgres | LocalMariadb,
    identifier: string,
    engine: 'postgres' | 'mariadb',
  ): Promise<ServerLogExport> => {
    options.rds?.addInstance({ identifier, engine, endpoint: { address: server.host, port: server.port } });
    return startServerLogExport({
      file: server.logFile,
      client,
      logGroupName: rdsLogGroupName({ kind: 'instance', identifier }, engine === 'postgres' ? 'postgresql' : 'error'),
      logStreamName: identifier,
      timestampOf: engine === 'postgres' ? postgresLineTimestamp : mysqlLineTimestamp,
    });
  };
  const started: { stop(): Promise<void> }[] = [];
  try {
    const postgres = options.postgres && (await exportLog(options.postgres, LOCAL_RDS_POSTGRES_INSTANCE, 'postgres'));
    if (postgres) started.push(postgres);
    const mariadb = options.mariadb && (await exportLog(options.mariadb, LOCAL_RDS_MARIADB_INSTANCE, 'mariadb'));
    if (mariadb) started.push(mariadb);
    const redis = options.redis;
    const redisAuthFailures =
      redis &&
      (await startAuthFailurePoller({
        readAclLog: () => redis.aclLog(),
        sink: options.metricSink,
        cacheClusterId: LOCAL_ELASTICACHE_CLUSTER,
      }));
    if (redisAuthFailures) started.push(redisAuthFailures);
    return {
      logExports: { postgres, mariadb },
      redisAuthFailures,
      async stop() {
        await Promise.allSettled(started.map((part) => part.stop()));
        client.destroy();
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((part) => part.stop()));
    client.destroy();
    throw error;
  }
}
