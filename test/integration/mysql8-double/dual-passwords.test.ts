import type { Connection } from 'mysql2/promise';
import { Mysql8Double } from '../../support/mysql8/server';

/**
 * The double's account model against MySQL 8's documented dual-password, password-verification
 * and reuse rules (accounts.ts cites each), through the real mysql2 driver over loopback.
 */
let double: Mysql8Double;
let n = 0;

beforeAll(async () => {
  double = await Mysql8Double.start();
});
afterAll(() => double.stop());

async function givenUser(
  options: { grant?: string; extra?: string } = {},
): Promise<{ user: string; as: (pw: string) => Promise<Connection> }> {
  const user = `dual_${++n}`;
  await double.admin(`CREATE USER '${user}'@'%' IDENTIFIED BY 'one-1' ${options.extra ?? ''}`);
  if (options.grant) await double.admin(`GRANT ${options.grant} ON *.* TO '${user}'@'%'`);
  return { user, as: (pw) => double.connect(user, pw) };
}

async function statementError(
  connection: Connection,
  sql: string,
): Promise<{ code?: string; errno?: number; sqlState?: string }> {
  try {
    await connection.query(sql);
  } catch (error) {
    return error as { code?: string; errno?: number; sqlState?: string };
  }
  throw new Error(`expected ${sql} to fail`);
}

async function withSession<T>(open: Promise<Connection>, work: (c: Connection) => Promise<T>): Promise<T> {
  const c = await open;
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

describe('MySQL 8 double: dual passwords (RETAIN, DISCARD, REPLACE)', () => {
  it('RETAIN keeps the primary as the secondary: both log in; DISCARD drops it', async () => {
    const u = await givenUser({ grant: 'APPLICATION_PASSWORD_ADMIN' });
    await withSession(u.as('one-1'), (c) =>
      c.query(`ALTER USER '${u.user}'@'%' IDENTIFIED BY 'two-2' RETAIN CURRENT PASSWORD`),
    );
    expect(await double.canLogin(u.user, 'two-2')).toBe(true);
    expect(await double.canLogin(u.user, 'one-1')).toBe(true);
    expect(double.passwordRole(u.user, 'one-1')).toBe('secondary');
    await withSession(u.as('one-1'), (c) => c.query(`ALTER USER '${u.user}'@'%' DISCARD OLD PASSWORD`));
    expect(await double.canLogin(u.user, 'one-1')).toBe(false);
    expect(await double.canLogin(u.user, 'two-2')).toBe(true);
  });

  it('RETAIN replaces an existing secondary; a change without RETAIN leaves the secondary unchanged', async () => {
    const u = await givenUser({ grant: 'APPLICATION_PASSWORD_ADMIN' });
    await withSession(u.as('one-1'), async (c) => {
      await c.query(`ALTER USER CURRENT_USER() IDENTIFIED BY 'two-2' RETAIN CURRENT PASSWORD`);
      await c.query(`ALTER USER CURRENT_USER() IDENTIFIED BY 'three-3' RETAIN CURRENT PASSWORD`);
    });
    expect([await double.canLogin(u.user, 'one-1'), double.passwordRole(u.user, 'two-2')]).toEqual([
      false,
      'secondary',
    ]);
    await withSession(u.as('three-3'), (c) => c.query(`SET PASSWORD = 'four-4'`));
    expect(double.passwordRole(u.user, 'four-4')).toBe('primary');
    expect(double.passwordRole(u.user, 'two-2')).toBe('secondary');
    expect(await double.canLogin(u.user, 'three-3')).toBe(false);
  });

  it('REPLACE is compared with the primary only: the secondary is "incorrect", even where REPLACE is optional', async () => {
    const u = await givenUser({ grant: 'APPLICATION_PASSWORD_ADMIN' });
    await withSession(u.as('one-1'), (c) =>
      c.query(`ALTER USER CURRENT_USER() IDENTIFIED BY 'two-2' RETAIN CURRENT PASSWORD`),
    );
    // Logged in with the secondary: REPLACE it fails, and nothing changes.
    const error = await withSession(u.as('one-1'), (c) =>
      statementError(c, `ALTER USER CURRENT_USER() IDENTIFIED BY 'x-9' REPLACE 'one-1' RETAIN CURRENT PASSWORD`),
    );
    expect(error).toMatchObject({ code: 'ER_INCORRECT_CURRENT_PASSWORD', errno: 3891, sqlState: 'HY000' });
    expect([double.passwordRole(u.user, 'two-2'), double.passwordRole(u.user, 'one-1')]).toEqual([
      'primary',
      'secondary',
    ]);
    // With the primary named, the compare-and-swap goes through.
    await withSession(u.as('one-1'), (c) =>
      c.query(`ALTER USER CURRENT_USER() IDENTIFIED BY 'x-9' REPLACE 'two-2' RETAIN CURRENT PASSWORD`),
    );
    expect([double.passwordRole(u.user, 'x-9'), double.passwordRole(u.user, 'two-2')]).toEqual([
      'primary',
      'secondary',
    ]);
  });

  it("REPLACE is only for one's own account; required under PASSWORD REQUIRE CURRENT, except for CREATE USER holders", async () => {
    const u = await givenUser({ extra: 'PASSWORD REQUIRE CURRENT' });
    const other = await double
      .admin(`ALTER USER '${u.user}'@'%' IDENTIFIED BY 'r-1' REPLACE 'one-1'`)
      .catch((e: unknown) => e);
    expect(other).toMatchObject({ code: 'ER_CURRENT_PASSWORD_NOT_REQUIRED', errno: 3893 });
    const missing = await withSession(u.as('one-1'), (c) =>
      statementError(c, `ALTER USER CURRENT_USER() IDENTIFIED BY 'two-2'`),
    );
    expect(missing).toMatchObject({ code: 'ER_MISSING_CURRENT_PASSWORD', errno: 3892 });
    await withSession(u.as('one-1'), (c) => c.query(`ALTER USER CURRENT_USER() IDENTIFIED BY 'two-2' REPLACE 'one-1'`));
    expect(double.passwordRole(u.user, 'two-2')).toBe('primary');
    // The master (CREATE USER) is exempt.
    await double.admin(`ALTER USER '${u.user}'@'%' IDENTIFIED BY 'three-3'`);
    expect(double.passwordRole(u.user, 'three-3')).toBe('primary');
  });

  it('the global password_require_current applies to accounts left at DEFAULT; OPTIONAL exempts one', async () => {
    const u = await givenUser();
    const exempt = await givenUser({ extra: 'PASSWORD REQUIRE CURRENT OPTIONAL' });
    await double.admin('SET GLOBAL password_require_current = ON');
    try {
      expect(await withSession(u.as('one-1'), (c) => statementError(c, `SET PASSWORD = 'two-2'`))).toMatchObject({
        code: 'ER_MISSING_CURRENT_PASSWORD',
      });
      await withSession(exempt.as('one-1'), (c) => c.query(`SET PASSWORD = 'two-2'`));
      expect(double.passwordRole(exempt.user, 'two-2')).toBe('primary');
    } finally {
      await double.admin('SET GLOBAL password_require_current = OFF');
    }
  });

  it("RETAIN and DISCARD on one's own account need APPLICATION_PASSWORD_ADMIN (or CREATE USER); a plain change needs nothing", async () => {
    const u = await givenUser();
    await withSession(u.as('one-1'), async (c) => {
      for (const sql of [
        `ALTER USER CURRENT_USER() IDENTIFIED BY 'two-2' RETAIN CURRENT PASSWORD`,
        `ALTER USER CURRENT_USER() DISCARD OLD PASSWORD`,
        `SET PASSWORD = 'two-2' RETAIN CURRENT PASSWORD`,
      ]) {
        expect(await statementError(c, sql)).toMatchObject({
          code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR',
          errno: 1227,
          sqlState: '42000',
        });
      }
      // The privilege check comes before REPLACE is looked at.
      expect(
        await statementError(
          c,
          `ALTER USER CURRENT_USER() IDENTIFIED BY 'two-2' REPLACE 'wrong' RETAIN CURRENT PASSWORD`,
        ),
      ).toMatchObject({
        code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR',
      });
      await c.query(`ALTER USER CURRENT_USER() IDENTIFIED BY 'two-2'`);
    });
    expect(double.passwordRole(u.user, 'two-2')).toBe('primary');
    expect(await double.canLogin(u.user, 'one-1')).toBe(false);
  });

  it("another account's password, or other attributes of one's own, need CREATE USER", async () => {
    const u = await givenUser({ grant: 'APPLICATION_PASSWORD_ADMIN' });
    const victim = await givenUser();
    await withSession(u.as('one-1'), async (c) => {
      expect(await statementError(c, `ALTER USER '${victim.user}'@'%' IDENTIFIED BY 'x-1'`)).toMatchObject({
        code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR',
      });
      expect(
        await statementError(c, `ALTER USER CURRENT_USER() FAILED_LOGIN_ATTEMPTS 3 PASSWORD_LOCK_TIME 1`),
      ).toMatchObject({
        code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR',
      });
    });
  });

  it('RETAIN with an empty new password, or when the primary is empty, fails; an empty password empties the secondary', async () => {
    const u = await givenUser({ grant: 'APPLICATION_PASSWORD_ADMIN' });
    await withSession(u.as('one-1'), async (c) => {
      expect(
        await statementError(c, `ALTER USER CURRENT_USER() IDENTIFIED BY '' RETAIN CURRENT PASSWORD`),
      ).toMatchObject({
        code: 'ER_CURRENT_PASSWORD_CANNOT_BE_RETAINED',
        errno: 3895,
      });
    });
    await double.admin(`CREATE USER 'empty_${n}'@'%'`);
    await double.admin(`GRANT APPLICATION_PASSWORD_ADMIN ON *.* TO 'empty_${n}'@'%'`);
    await withSession(double.connect(`empty_${n}`, ''), async (c) => {
      expect(
        await statementError(c, `ALTER USER CURRENT_USER() IDENTIFIED BY 'x-1' RETAIN CURRENT PASSWORD`),
      ).toMatchObject({
        code: 'ER_SECOND_PASSWORD_CANNOT_BE_EMPTY',
        errno: 3878,
      });
    });
    await withSession(u.as('one-1'), (c) =>
      c.query(`ALTER USER CURRENT_USER() IDENTIFIED BY 'two-2' RETAIN CURRENT PASSWORD`),
    );
    await double.admin(`ALTER USER '${u.user}'@'%' IDENTIFIED BY ''`);
    expect(double.account(u.user)?.secondary).toBeUndefined();
  });

  it('a password in the history is refused (before REPLACE is checked); the current one counts', async () => {
    const u = await givenUser({ extra: 'PASSWORD HISTORY 2' });
    await withSession(u.as('one-1'), async (c) => {
      expect(await statementError(c, `ALTER USER CURRENT_USER() IDENTIFIED BY 'one-1' REPLACE 'wrong'`)).toMatchObject({
        code: 'ER_CREDENTIALS_CONTRADICT_TO_HISTORY',
        errno: 3638,
      });
      await c.query(`ALTER USER CURRENT_USER() IDENTIFIED BY 'two-2'`);
      expect(await statementError(c, `ALTER USER CURRENT_USER() IDENTIFIED BY 'one-1'`)).toMatchObject({
        code: 'ER_CREDENTIALS_CONTRADICT_TO_HISTORY',
      });
      await c.query(`ALTER USER CURRENT_USER() IDENTIFIED BY 'three-3'`);
      // Two changes later, the first password may come back.
      await c.query(`ALTER USER CURRENT_USER() IDENTIFIED BY 'one-1'`);
    });
    expect(double.passwordRole(u.user, 'one-1')).toBe('primary');
  });

  it('8.0.13 has REPLACE but no RETAIN / DISCARD: they are syntax errors there', async () => {
    const old = await Mysql8Double.start({ version: '8.0.13' });
    try {
      await old.admin(`CREATE USER 'v13'@'%' IDENTIFIED BY 'one-1'`);
      const error = await old
        .admin(`ALTER USER 'v13'@'%' IDENTIFIED BY 'two-2' RETAIN CURRENT PASSWORD`)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ER_PARSE_ERROR', errno: 1064, sqlState: '42000' });
      expect((error as Error).message).toContain("near 'RETAIN CURRENT PASSWORD' at line 1");
      const own = await old.connect('v13', 'one-1');
      await own.query(`ALTER USER CURRENT_USER() IDENTIFIED BY 'two-2' REPLACE 'one-1'`);
      await own.end();
      expect(old.passwordRole('v13', 'two-2')).toBe('primary');
    } finally {
      await old.stop();
    }
  });
});
