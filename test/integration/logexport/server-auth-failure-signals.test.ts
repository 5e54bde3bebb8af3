import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCloudWatchLogs, type LocalCloudWatchLogs } from '../../../local/cloudwatchlogs';
import { postgresLineTimestamp, startServerLogExport } from '../../../local/logexport';
import {
  LOCAL_ELASTICACHE_CLUSTER,
  LOCAL_RDS_MARIADB_INSTANCE,
  LOCAL_RDS_POSTGRES_INSTANCE,
} from '../../../local/server-signals';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { describeWithServers } from '../../support/servers';

/**
 * Failed logins on the local stack's real servers reach the places AWS publishes them: the RDS log
 * groups in the local CloudWatch Logs (PostgreSQL, MariaDB) and the ElastiCache
 * AuthenticationFailures metric (Redis ACL LOG). One stack for the file; the shippers are flushed
 * and the poller polled by hand, so nothing waits on a timer.
 */
const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };

describeWithServers(['mariadb', 'redis'])('failed logins of the local servers', () => {
  let stack: LocalStack;
  let logs: CloudWatchLogsClient;

  beforeAll(async () => {
    stack = await startLocalStack({ postgres: true, mariadb: true, redis: true, rds: true });
    logs = new CloudWatchLogsClient({ endpoint: stack.cloudWatchLogs.endpoint, region: 'us-east-1', credentials });
  }, 60_000);
  afterAll(async () => {
    logs.destroy();
    await stack.stop();
  });

  const events = async (logGroupName: string, filterPattern: string) =>
    (await logs.send(new FilterLogEventsCommand({ logGroupName, filterPattern }))).events ?? [];

  it('declares the RDS instances the servers stand for, at their endpoints', async () => {
    const rds = new RDSClient({ endpoint: stack.rds?.endpoint, region: 'us-east-1', credentials });
    const described = await rds.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: LOCAL_RDS_POSTGRES_INSTANCE }),
    );
    rds.destroy();
    expect(described.DBInstances?.[0]?.Endpoint).toMatchObject({ Address: '127.0.0.1', Port: stack.postgres?.port });
  });

  it('PostgreSQL: one wrong password is one event in the instance log group, naming the user; a right one adds none', async () => {
    const pg = stack.postgres;
    const shipped = stack.serverSignals.logExports.postgres;
    if (!pg || !shipped) throw new Error('PostgreSQL did not start');
    const group = `/aws/rds/instance/${LOCAL_RDS_POSTGRES_INSTANCE}/postgresql`;
    expect(shipped.logGroupName).toBe(group);
    await pg.admin(`CREATE ROLE signal_app_pg LOGIN PASSWORD 'right-password-1'`);
    const pattern = '"password authentication failed for user"';

    const before = Date.now();
    expect(await pg.canLogin('signal_app_pg', 'wrong-password-1')).toBe(false);
    await shipped.flush();
    const failed = (await events(group, pattern)).filter((e) => e.message?.includes('"signal_app_pg"'));
    expect(failed).toHaveLength(1);
    expect(failed[0]?.logStreamName).toBe(LOCAL_RDS_POSTGRES_INSTANCE);
    // RDS's prefix: time UTC, client, user@database, pid.
    expect(failed[0]?.message).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC:127\.0\.0\.1\(\d+\):signal_app_pg@postgres:\[\d+\]:FATAL: {2}password authentication failed for user "signal_app_pg"$/,
    );
    // The line's own time (whole seconds), not the time it was shipped.
    expect(failed[0]?.timestamp).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(failed[0]?.timestamp).toBeLessThanOrEqual(Date.now());

    expect(await pg.canLogin('signal_app_pg', 'right-password-1')).toBe(true);
    await shipped.flush();
    expect((await events(group, pattern)).filter((e) => e.message?.includes('"signal_app_pg"'))).toHaveLength(1);
  });

  it("MariaDB: one wrong password is one 'Access denied' event in the instance's error log group; a right one adds none", async () => {
    const mariadb = stack.mariadb;
    const shipped = stack.serverSignals.logExports.mariadb;
    if (!mariadb || !shipped) throw new Error('MariaDB did not start');
    const group = `/aws/rds/instance/${LOCAL_RDS_MARIADB_INSTANCE}/error`;
    expect(shipped.logGroupName).toBe(group);
    await mariadb.admin("CREATE USER 'md_signal_app'@'127.0.0.1' IDENTIFIED BY 'right-password-2'");
    const pattern = '"Access denied for user"';

    expect(await mariadb.canLogin('md_signal_app', 'wrong-password-2')).toBe(false);
    await shipped.flush();
    const failed = (await events(group, pattern)).filter((e) => e.message?.includes("'md_signal_app'@'127.0.0.1'"));
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toMatch(
      /\[Warning\] Access denied for user 'md_signal_app'@'127\.0\.0\.1' \(using password: YES\)$/,
    );

    expect(await mariadb.canLogin('md_signal_app', 'right-password-2')).toBe(true);
    await shipped.flush();
    const after = (await events(group, pattern)).filter((e) => e.message?.includes("'md_signal_app'"));
    expect(after).toHaveLength(1);
  });

  it('Redis: failed AUTHs become AuthenticationFailures points with their count; a right password adds none', async () => {
    const redis = stack.redis;
    const poller = stack.serverSignals.redisAuthFailures;
    if (!redis || !poller) throw new Error('Redis did not start');
    await redis.admin('ACL', 'SETUSER', 'cache_app', 'on', '>right-password-3', '~*', '+@all');
    const published = stack.metricPoints().length;

    expect(await redis.canLogin('cache_app', 'wrong-password-3')).toBe(false);
    expect(await redis.canLogin('cache_app', 'wrong-password-3')).toBe(false);
    expect(await redis.canLogin('no_such_user', 'wrong-password-3')).toBe(false);
    expect(await poller.poll()).toEqual({ total: 3, byUser: { cache_app: 2, no_such_user: 1 } });
    const points = stack.metricPoints().slice(published);
    expect(points).toEqual([
      expect.objectContaining({
        namespace: 'AWS/ElastiCache',
        metricName: 'AuthenticationFailures',
        dimensions: { CacheClusterId: LOCAL_ELASTICACHE_CLUSTER, CacheNodeId: '0001' },
        value: 3,
        unit: 'Count',
      }),
    ]);

    expect(await redis.canLogin('cache_app', 'right-password-3')).toBe(true);
    expect(await poller.poll()).toEqual({ total: 0, byUser: {} });
    expect(stack.metricPoints().slice(published)).toHaveLength(1);
  });
});

describe('a server log export', () => {
  let cloudWatchLogs: LocalCloudWatchLogs;
  let client: CloudWatchLogsClient;
  let dir: string;
  beforeAll(async () => {
    // A clock of its own: PutLogEvents accepts events from 14 days back to 2 hours ahead of it.
    cloudWatchLogs = await startLocalCloudWatchLogs({ now: () => new Date(Date.UTC(2030, 0, 1, 0, 5)) });
    client = new CloudWatchLogsClient({
      endpoint: cloudWatchLogs.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    dir = await mkdtemp(join(tmpdir(), 'keyturn-export-'));
  });
  afterAll(async () => {
    client.destroy();
    await cloudWatchLogs.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates its group and stream, keeps lines an outage rejected, and ships the unfinished last line on stop', async () => {
    const file = join(dir, 'postgresql.log');
    const logGroupName = '/aws/rds/instance/export-test/postgresql';
    const shipped = await startServerLogExport({
      file,
      client,
      logGroupName,
      logStreamName: 'export-test',
      timestampOf: postgresLineTimestamp,
      intervalMs: 0,
      now: () => Date.UTC(2030, 0, 1, 0, 0, 9),
    });
    const line = (n: number) => `2030-01-01 00:00:0${String(n)} UTC::@:[1]:LOG:  line ${String(n)}`;
    await appendFile(file, `${line(1)}\n${line(2)}`);
    cloudWatchLogs.faults.failNext('PutLogEvents');
    await expect(shipped.flush()).rejects.toThrow();
    await appendFile(file, '\n\tcontinued');
    await shipped.flush(); // the group and stream are created on the way
    await shipped.stop();
    const stored = cloudWatchLogs.events(logGroupName);
    expect(stored.map((e) => [e.timestamp, e.message])).toEqual([
      [Date.UTC(2030, 0, 1, 0, 0, 1), line(1)],
      [Date.UTC(2030, 0, 1, 0, 0, 2), line(2)],
      [Date.UTC(2030, 0, 1, 0, 0, 9), '\tcontinued'],
    ]);
  });
});
