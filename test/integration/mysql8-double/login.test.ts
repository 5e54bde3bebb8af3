import { createTestCertificates, type TestCertificates } from '../../support/tls';
import { Mysql8Double } from '../../support/mysql8/server';

/**
 * Logins against the double through the real mysql2 driver: both plugins, caching_sha2's fast
 * and full authentication (RSA without TLS, cleartext over TLS), and MySQL 8's failed-login
 * tracking (FAILED_LOGIN_ATTEMPTS / PASSWORD_LOCK_TIME) with its documented resets.
 */
let double: Mysql8Double;
let clock = Date.now();
let certificates: TestCertificates;
let n = 0;

beforeAll(async () => {
  certificates = createTestCertificates();
  double = await Mysql8Double.start({
    now: () => clock,
    tls: { certificatePem: certificates.certificatePem, privateKeyPem: certificates.privateKeyPem },
  });
});
afterAll(async () => {
  await double.stop();
  certificates.cleanup();
});

async function loginError(
  user: string,
  password: string,
): Promise<{ code?: string; errno?: number; message: string } | undefined> {
  try {
    const c = await double.connect(user, password);
    await c.end();
    return undefined;
  } catch (error) {
    return error as { code?: string; errno?: number; message: string };
  }
}

describe('MySQL 8 double: authentication', () => {
  it('caching_sha2_password: full authentication first (RSA key exchange without TLS), the fast path after', async () => {
    const user = `sha2_${++n}`;
    await double.admin(`CREATE USER '${user}'@'%' IDENTIFIED WITH caching_sha2_password BY 'pw-1'`);
    expect(double.account(user)?.cachedForFastAuth.size).toBe(0);
    expect(await double.canLogin(user, 'pw-1')).toBe(true);
    expect(double.account(user)?.cachedForFastAuth.has('primary')).toBe(true);
    expect(await double.canLogin(user, 'pw-1')).toBe(true);
    expect(await double.canLogin(user, 'pw-2')).toBe(false);
    // A password change empties the account's cache entries.
    await double.admin(`ALTER USER '${user}'@'%' IDENTIFIED BY 'pw-2'`);
    expect(double.account(user)?.cachedForFastAuth.size).toBe(0);
  });

  it('caching_sha2_password over TLS: the password goes in clear inside TLS', async () => {
    const user = `tls_${++n}`;
    await double.admin(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw-1' REQUIRE SSL`);
    const error = await loginError(user, 'pw-1');
    expect(error).toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR', errno: 1045 }); // REQUIRE SSL without TLS
    const secure = await double.connect(user, 'pw-1', { ssl: true });
    const [rows] = await secure.query('SELECT CURRENT_USER() AS me');
    expect(rows).toEqual([{ me: `${user}@%` }]);
    await secure.end();
  });

  it('mysql_native_password: an auth switch from the server default, primary and secondary both checked', async () => {
    const user = `native_${++n}`;
    await double.admin(`CREATE USER '${user}'@'%' IDENTIFIED WITH mysql_native_password BY 'pw-1'`);
    await double.admin(`ALTER USER '${user}'@'%' IDENTIFIED BY 'pw-2' RETAIN CURRENT PASSWORD`);
    expect([
      await double.canLogin(user, 'pw-1'),
      await double.canLogin(user, 'pw-2'),
      await double.canLogin(user, 'x'),
    ]).toEqual([true, true, false]);
    const [rows] = await double.admin<{ line: string }>(`SHOW CREATE USER '${user}'@'%'`);
    expect(Object.values(rows ?? {})[0]).toMatch(/IDENTIFIED WITH 'mysql_native_password' AS '\*[0-9A-F]{40}'/);
  });

  it('8.4 does not load mysql_native_password', async () => {
    const v84 = await Mysql8Double.start({ version: '8.4.0' });
    try {
      const error = await v84
        .admin(`CREATE USER 'n84'@'%' IDENTIFIED WITH mysql_native_password BY 'pw'`)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ER_PLUGIN_IS_NOT_LOADED', errno: 1524 });
    } finally {
      await v84.stop();
    }
  });
});

describe('MySQL 8 double: failed-login tracking and temporary locking', () => {
  async function givenTracked(attempts: number, lockTime: string): Promise<string> {
    const user = `lock_${++n}`;
    await double.admin(
      `CREATE USER '${user}'@'%' IDENTIFIED BY 'right-1' FAILED_LOGIN_ATTEMPTS ${attempts} PASSWORD_LOCK_TIME ${lockTime}`,
    );
    return user;
  }

  it('locks after N consecutive failures: the Nth already answers the lock error, the right password too', async () => {
    const user = await givenTracked(2, '3');
    expect(await loginError(user, 'wrong')).toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
    const locked = await loginError(user, 'wrong');
    expect(locked).toMatchObject({
      code: 'ER_USER_ACCESS_DENIED_FOR_USER_ACCOUNT_BLOCKED_BY_PASSWORD_LOCK',
      errno: 3955,
    });
    expect(locked?.message).toBe(
      `Access denied for user '${user}'@'127.0.0.1'. Account is blocked for 3 day(s) (3 day(s) remaining) due to 2 consecutive failed logins.`,
    );
    expect(await loginError(user, 'right-1')).toMatchObject({ errno: 3955 });
    // A password change does not unlock; ACCOUNT UNLOCK does.
    await double.admin(`ALTER USER '${user}'@'%' IDENTIFIED BY 'right-2'`);
    expect(await loginError(user, 'right-2')).toMatchObject({ errno: 3955 });
    await double.admin(`ALTER USER '${user}'@'%' ACCOUNT UNLOCK`);
    expect(await loginError(user, 'right-2')).toBeUndefined();
  });

  it('a success resets the count; the lock time passing unlocks; FLUSH PRIVILEGES unlocks', async () => {
    const user = await givenTracked(2, '1');
    expect(await loginError(user, 'wrong')).toMatchObject({ errno: 1045 });
    expect(await loginError(user, 'right-1')).toBeUndefined();
    expect(await loginError(user, 'wrong')).toMatchObject({ errno: 1045 }); // not locked: the success reset the count
    expect(await loginError(user, 'wrong')).toMatchObject({ errno: 3955 });
    clock += 24 * 60 * 60 * 1000;
    expect(await loginError(user, 'right-1')).toBeUndefined();
    expect(await loginError(user, 'wrong')).toMatchObject({ errno: 1045 });
    expect(await loginError(user, 'wrong')).toMatchObject({ errno: 3955 });
    await double.admin('FLUSH PRIVILEGES');
    expect(await loginError(user, 'right-1')).toBeUndefined();
  });

  it('FAILED_LOGIN_ATTEMPTS 1 locks at the first failure; UNBOUNDED says "unlimited"', async () => {
    const user = await givenTracked(1, 'UNBOUNDED');
    const error = await loginError(user, 'wrong');
    expect(error?.message).toContain(
      'Account is blocked for unlimited day(s) (unlimited day(s) remaining) due to 1 consecutive failed logins.',
    );
    clock += 400 * 24 * 60 * 60 * 1000;
    expect(await loginError(user, 'right-1')).toMatchObject({ errno: 3955 });
  });

  it('ACCOUNT LOCK answers ER_ACCOUNT_HAS_BEEN_LOCKED for the right password, and an unknown user never counts', async () => {
    const user = `locked_${++n}`;
    await double.admin(`CREATE USER '${user}'@'%' IDENTIFIED BY 'right-1' ACCOUNT LOCK`);
    expect(await loginError(user, 'right-1')).toMatchObject({ code: 'ER_ACCOUNT_HAS_BEEN_LOCKED', errno: 3118 });
    expect(await loginError('nobody_at_all', 'x')).toMatchObject({ errno: 1045 });
  });
});
