import { AuditEventType, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import type { LocalMariadb } from '../../local/databases/mariadb';
import type { LocalRedis } from '../../local/databases/redis';
import { LOCAL_ROTATION_FUNCTION_ARN, startLocalStack, type LocalStack } from '../../local/stack';
import { LOCAL_COORDINATOR_FUNCTION_ARN, loadStateMachine } from '../../local/stepfunctions/definitions';
import type { LambdaHandler } from '../../local/stepfunctions/runner';
import { runTestExecution } from '../support/state-machine-run';
import { createSecret, jsonAt, rotateAndWait, type DbSecret } from '../support/secrets';
import { describeWithServers } from '../support/servers';

/**
 * The lifecycle state machine around MariaDB and Redis rotations, with the real coordinator and
 * rotation function: verify, grace, drain, then revoke the old credential (the old MariaDB user's
 * password replaced; the Redis user's old password removed), or leave it and alert while a
 * session still uses it.
 */

describeWithServers(['mariadb', 'redis'])('the lifecycle on MariaDB and Redis', () => {
  let stack: LocalStack;
  let mariadb: LocalMariadb;
  let redis: LocalRedis;
  let handlers: Record<string, LambdaHandler>;
  let mariadbMasterArn: string;
  let redisMasterArn: string;
  const lifecycle = loadStateMachine('lifecycle');
  const REVOKE_AT_ONCE = { [LifecycleTag.drainMaxWaitSeconds]: '0', [LifecycleTag.whenStillInUse]: 'revoke' };
  const ALERT_IF_IN_USE = { [LifecycleTag.drainMaxWaitSeconds]: '0', [LifecycleTag.whenStillInUse]: 'alert' };

  beforeAll(async () => {
    stack = await startLocalStack({ mariadb: true, redis: true });
    if (!stack.mariadb || !stack.redis) throw new Error('the local stack did not start MariaDB and Redis');
    ({ mariadb, redis } = stack);
    mariadbMasterArn = (await createSecret(stack.client, 'lifecycle/mariadb-master', mariadb.masterSecretValue())).arn;
    redisMasterArn = (await createSecret(stack.client, 'lifecycle/redis-master', redis.masterSecretValue())).arn;
    const coordinator = await import('../../functions/coordinator/handler');
    handlers = {
      [LOCAL_COORDINATOR_FUNCTION_ARN]: coordinator.handler,
      [LOCAL_ROTATION_FUNCTION_ARN]: stack.rotationHandler,
    };
  });
  afterAll(() => stack.stop());

  let counter = 0;

  /** A managed secret rotated once by Secrets Manager (so rotation is enabled); its AWSCURRENT. */
  async function givenRotatedSecret(
    value: string,
    tags: Record<string, string>,
  ): Promise<{ arn: string; current: DbSecret }> {
    const secret = await createSecret(stack.client, `lifecycle/engines/${++counter}`, value, {
      [ManagementTag.managed]: 'true',
      ...tags,
    });
    expect(await rotateAndWait(stack, secret.arn)).toMatchObject({ succeeded: true });
    return { arn: secret.arn, current: await jsonAt<DbSecret>(stack.client, secret.arn, 'AWSCURRENT') };
  }

  const runLifecycle = (secretArn: string) =>
    runTestExecution(stack, lifecycle, { secretArn, trigger: 'on-demand' }, handlers);

  it('MariaDB alternating users: the previous user, idle, is revoked and keeps its account', async () => {
    const user = `lc_shop_${counter}`;
    await mariadb.admin('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', 'lc-shop-initial-1']);
    const before = await givenRotatedSecret(
      mariadb.secretValue(user, 'lc-shop-initial-1', { masterarn: mariadbMasterArn }),
      REVOKE_AT_ONCE,
    );

    const result = await runLifecycle(before.arn);

    expect(result.status).toBe('SUCCEEDED');
    expect(result.audit).toEqual([
      AuditEventType.Started,
      AuditEventType.Verified,
      AuditEventType.SecretRotated,
      AuditEventType.UsageChecked,
      AuditEventType.Revoked,
      AuditEventType.Completed,
    ]);
    const after = await jsonAt<DbSecret>(stack.client, before.arn, 'AWSCURRENT');
    expect(after.username).toBe(user);
    expect(await mariadb.canLogin(after.username, after.password)).toBe(true);
    expect(await mariadb.canLogin(before.current.username, before.current.password)).toBe(false);
    const [clone] = await mariadb.admin<{ n: number }>('SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?', [
      before.current.username,
    ]);
    expect(Number(clone?.n)).toBe(1); // revoked, not dropped: the next rotation reuses it
  });

  it('MariaDB alternating users: a session still open as the previous user is left alone and alerted', async () => {
    const user = `lc_busy_${counter}`;
    await mariadb.admin('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', 'lc-busy-initial-1']);
    const before = await givenRotatedSecret(
      mariadb.secretValue(user, 'lc-busy-initial-1', { masterarn: mariadbMasterArn }),
      ALERT_IF_IN_USE,
    );
    const client = await mariadb.openSession(before.current.username, before.current.password);
    try {
      const result = await runLifecycle(before.arn);

      expect(result.status).toBe('SUCCEEDED');
      expect(result.audit).not.toContain(AuditEventType.Revoked);
      expect(await mariadb.canLogin(before.current.username, before.current.password)).toBe(true);
      expect(stack.sns.messages().some((m) => m.message.includes(before.arn))).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('Redis: both passwords work through the grace window, then the old one is removed', async () => {
    const user = `lc_cache_${counter}`;
    await redis.admin('ACL', 'SETUSER', user, 'on', '>lc-cache-initial-1', '~lc:*', '+get');
    const before = await givenRotatedSecret(
      redis.secretValue(user, 'lc-cache-initial-1', { masterarn: redisMasterArn }),
      REVOKE_AT_ONCE,
    );
    expect(await redis.canLogin(user, 'lc-cache-initial-1')).toBe(true); // dual accept after the first rotation

    const result = await runLifecycle(before.arn);

    expect(result.status).toBe('SUCCEEDED');
    expect(result.audit).toContain(AuditEventType.Revoked);
    const after = await jsonAt<DbSecret>(stack.client, before.arn, 'AWSCURRENT');
    expect(await redis.canLogin(user, after.password)).toBe(true);
    expect(await redis.canLogin(user, before.current.password)).toBe(false);
    expect(await redis.passwordHashes(user)).toHaveLength(1);
  });
});
