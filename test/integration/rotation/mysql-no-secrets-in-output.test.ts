// Logs on, as in Lambda: set before anything creates a logger.
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';

import { createMysqlAlternatingUsersStrategy } from '../../../functions/strategies/mysql/alternating-users';
import { nativePasswordHash } from '../../../functions/strategies/mysql/password-statements';
import { createMysqlSingleUserStrategy } from '../../../functions/strategies/mysql/single-user';
import type { LocalMariadb } from '../../../local/databases/mariadb';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { describeIfMariadb, registerStrategyRotationFunction } from '../../support/mariadb';
import { createSecret, rotateAndWait, valueAt } from '../../support/secrets';
import { strategyContext } from '../../support/strategy-context';

let stack: LocalStack;
let db: LocalMariadb;
const output: string[] = [];
const secrets: string[] = [];
const errors: string[] = [];

function capture(): () => void {
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  return () => {
    for (const spy of spies) spy.mockRestore();
  };
}

beforeAll(async () => {
  stack = await startLocalStack({ mariadb: true });
  db = stack.mariadb as LocalMariadb;
  const single = createMysqlSingleUserStrategy();
  const alternating = createMysqlAlternatingUsersStrategy();
  const singleFunction = registerStrategyRotationFunction(stack, 'obs-mysql-single', single);
  const alternatingFunction = registerStrategyRotationFunction(stack, 'obs-mysql-alternating', alternating);
  secrets.push(db.masterPassword);

  await db.admin("CREATE USER 'obs_single'@'%' IDENTIFIED BY 'Obs-single-initial-1'");
  await db.admin("CREATE USER 'obs_alt'@'%' IDENTIFIED BY 'Obs-alt-initial-2'");
  await db.admin("GRANT SELECT ON mysql.* TO 'obs_alt'@'%'");
  secrets.push('Obs-single-initial-1', 'Obs-alt-initial-2', 'bad-master-pw-3', 'changed-by-hand-4');
  const master = await createSecret(stack.client, 'obs/mysql-master', db.masterSecretValue());
  const badMaster = await createSecret(
    stack.client,
    'obs/mysql-bad-master',
    db.masterSecretValue({ password: 'bad-master-pw-3' }),
  );
  const singleSecret = await createSecret(
    stack.client,
    'obs/mysql-single',
    db.secretValue('obs_single', 'Obs-single-initial-1'),
    singleFunction.tags,
  );
  const alternatingSecret = await createSecret(
    stack.client,
    'obs/mysql-alt',
    db.secretValue('obs_alt', 'Obs-alt-initial-2', { masterarn: master.arn }),
    alternatingFunction.tags,
  );
  const failing = await createSecret(
    stack.client,
    'obs/mysql-failing',
    db.secretValue('obs_alt', 'Obs-alt-initial-2', { masterarn: badMaster.arn }),
    alternatingFunction.tags,
  );

  const restore = capture();
  try {
    for (let i = 0; i < 2; i++) {
      expect(await rotateAndWait(stack, singleSecret.arn, singleFunction.arn)).toMatchObject({ succeeded: true });
      expect(await rotateAndWait(stack, alternatingSecret.arn, alternatingFunction.arn)).toMatchObject({
        succeeded: true,
      });
    }
    const failed = await rotateAndWait(stack, failing.arn, alternatingFunction.arn);
    expect(failed).toMatchObject({ succeeded: false, errorName: 'MasterSecretError' });
    errors.push(failed.errorMessage ?? '');
    // Lifecycle calls, and failures whose server messages could quote a statement.
    for (const [strategy, arn] of [
      [single, singleSecret.arn],
      [alternating, alternatingSecret.arn],
    ] as const) {
      const ctx = strategyContext(stack, arn);
      const current = await ctx.store.requireVersion(arn, { stage: 'AWSCURRENT' });
      const previous = await ctx.store.requireVersion(arn, { stage: 'AWSPREVIOUS' });
      await strategy.usage(previous, current, ctx);
      await strategy.revoke(previous, current, ctx, { terminateSessions: true });
    }
    await db.admin("SET PASSWORD FOR 'obs_single'@'%' = PASSWORD('changed-by-hand-4')");
    const refused = await rotateAndWait(stack, singleSecret.arn, singleFunction.arn);
    expect(refused).toMatchObject({ succeeded: false, errorName: 'AuthenticationFailedError' });
    errors.push(refused.errorMessage ?? '');
  } finally {
    restore();
  }
  for (const arn of [singleSecret.arn, alternatingSecret.arn]) {
    for (const stage of ['AWSCURRENT', 'AWSPREVIOUS']) {
      const value = await valueAt(stack.client, arn, stage);
      secrets.push(value, (JSON.parse(value) as { password: string }).password);
    }
  }
});
afterAll(() => stack.stop());

describeIfMariadb('MySQL rotations, captured from stdout and stderr', () => {
  it("captured the rotation function's output (the capture works)", () => {
    // One line per step: 4 successful rotations of 4 steps, and the failed ones.
    const lines = output.join('').split('\n');
    expect(lines.filter((l) => l.includes('"service":"keyturn-rotate-secret"')).length).toBeGreaterThanOrEqual(16);
  });

  it('never prints a secret value or its hash: old, new, master, rejected, or set by hand', () => {
    const everything = output.join('') + errors.join('\n');
    expect(secrets.length).toBeGreaterThanOrEqual(13);
    for (const secret of new Set(secrets)) {
      expect(everything.includes(secret)).toBe(false);
      expect(everything.includes(nativePasswordHash(secret))).toBe(false);
    }
  });
});
