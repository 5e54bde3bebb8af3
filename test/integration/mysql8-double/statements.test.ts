import { Mysql8Double } from '../../support/mysql8/server';

/**
 * The double's parser and executor through the real driver: syntax errors as the server words
 * them, what it refuses to fake, prepared statements, user-level locks, KILL, roles.
 */
let double: Mysql8Double;

beforeAll(async () => {
  double = await Mysql8Double.start();
  await double.admin('CREATE DATABASE shop');
  await double.admin('CREATE TABLE shop.orders (id int, total decimal(10, 2))');
});
afterAll(() => double.stop());

const failure = (work: Promise<unknown>) =>
  work.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message: string },
  );

describe('MySQL 8 double: statements', () => {
  it('answers what it cannot parse with ER_PARSE_ERROR near the first token it could not take', async () => {
    expect(await failure(double.admin("ALTER USER 'a'@'%' IDENTIFIED BY 'x' RETAIN PASSWORD"))).toMatchObject({
      code: 'ER_PARSE_ERROR',
      message: expect.stringContaining("near 'PASSWORD' at line 1") as string,
    });
    // MariaDB's forms are not MySQL's.
    expect(await failure(double.admin("SET DEFAULT ROLE `r` FOR 'a'@'%'"))).toMatchObject({ code: 'ER_PARSE_ERROR' });
    expect(await failure(double.admin("REVOKE ADMIN OPTION FOR `r` FROM 'a'@'%'"))).toMatchObject({
      code: 'ER_PARSE_ERROR',
    });
    expect(await failure(double.admin("SET PASSWORD = PASSWORD('x')"))).toMatchObject({ code: 'ER_PARSE_ERROR' });
    // Two statements without CLIENT_MULTI_STATEMENTS.
    expect(await failure(double.admin('SELECT 1; SELECT 2'))).toMatchObject({ code: 'ER_PARSE_ERROR' });
    expect(await failure(double.admin('INSERT INTO shop.orders VALUES (1, 2)'))).toMatchObject({
      code: 'ER_NOT_SUPPORTED_YET',
    });
  });

  it('reads strings as the session sql_mode says (backslash escapes, doubled quotes, adjacent strings)', async () => {
    const [row] = await double.admin<{ a: string; b: string; c: string }>(
      `SELECT 'it''s' AS a, 'back\\\\slash' AS b, 'con' 'cat' AS c`,
    );
    expect(row).toEqual({ a: "it's", b: 'back\\slash', c: 'concat' });
    const [mode] = await double.admin<{ m: string }>(
      "SELECT TRIM(BOTH ',' FROM REPLACE(CONCAT(',', 'A,NO_BACKSLASH_ESCAPES,B', ','), ',NO_BACKSLASH_ESCAPES,', ',')) AS m",
    );
    expect(mode).toEqual({ m: 'A,B' });
  });

  it('runs prepared statements with bound values (binary protocol)', async () => {
    await double.admin(`CREATE USER 'prep'@'10.0.%' IDENTIFIED BY 'p'`);
    const rows = await double.admin<{ host: string; n: number }>(
      'SELECT Host AS host, 1 AS n FROM mysql.user WHERE User = ? AND Host LIKE ?',
      ['prep', '10.%'],
    );
    expect(rows).toEqual([{ host: '10.0.%', n: 1 }]);
  });

  it('GET_LOCK serializes sessions; the lock goes with its session', async () => {
    const a = await double.connect(double.masterUser, double.masterPassword);
    const b = await double.connect(double.masterUser, double.masterPassword);
    try {
      expect((await a.query("SELECT GET_LOCK('keyturn:x', 5) AS got"))[0]).toEqual([{ got: 1 }]);
      expect((await b.query("SELECT GET_LOCK('keyturn:x', 0) AS got"))[0]).toEqual([{ got: 0 }]);
      const waiting = b.query("SELECT GET_LOCK('keyturn:x', 5) AS got");
      await a.end();
      expect((await waiting)[0]).toEqual([{ got: 1 }]);
      expect((await b.query("SELECT RELEASE_LOCK('keyturn:x') AS r, RELEASE_LOCK('keyturn:x') AS again"))[0]).toEqual([
        { r: 1, again: null },
      ]);
    } finally {
      await b.end();
    }
  });

  it("KILL ends one of the user's own sessions; another user's needs CONNECTION_ADMIN", async () => {
    await double.admin(`CREATE USER 'killer'@'%' IDENTIFIED BY 'k'`);
    const victim = await double.connect(double.masterUser, double.masterPassword);
    const [[{ id }]] = (await victim.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
    const killer = await double.connect('killer', 'k');
    expect(await failure(killer.query(`KILL ${id}`))).toMatchObject({ code: 'ER_KILL_DENIED_ERROR' });
    await killer.end();
    await double.admin(`KILL CONNECTION ${id}`);
    expect(await failure(victim.query('SELECT 1'))).toBeDefined();
    expect(await failure(double.admin('KILL 999999'))).toMatchObject({ code: 'ER_NO_SUCH_THREAD' });
  });

  it('roles give privileges only when active: default roles at login, SET ROLE', async () => {
    await double.admin('CREATE ROLE reader');
    await double.admin('GRANT SELECT ON shop.* TO reader');
    await double.admin(`CREATE USER 'roleuser'@'%' IDENTIFIED BY 'r'`);
    await double.admin(`GRANT reader TO 'roleuser'@'%'`);
    const before = await double.connect('roleuser', 'r');
    expect(await failure(before.query('SELECT 1 FROM shop.orders'))).toMatchObject({
      code: 'ER_TABLEACCESS_DENIED_ERROR',
    });
    await before.query('SET ROLE reader');
    await before.query('SELECT 1 FROM shop.orders');
    await before.end();
    expect(await failure(double.admin(`SET DEFAULT ROLE nosuch TO 'roleuser'@'%'`))).toMatchObject({
      code: 'ER_ROLE_NOT_GRANTED',
    });
    await double.admin(`SET DEFAULT ROLE reader TO 'roleuser'@'%'`);
    const after = await double.connect('roleuser', 'r');
    await after.query('SELECT 1 FROM shop.orders');
    await after.end();
    const grants = await double.admin<Record<string, string>>(`SHOW GRANTS FOR 'roleuser'@'%'`);
    expect(grants.map((r) => Object.values(r)[0])).toEqual([
      'GRANT USAGE ON *.* TO `roleuser`@`%`',
      'GRANT `reader`@`%` TO `roleuser`@`%`',
    ]);
    const [create] = await double.admin<Record<string, string>>(`SHOW CREATE USER 'roleuser'@'%'`);
    expect(Object.values(create ?? {})[0]).toContain('DEFAULT ROLE `reader`@`%`');
  });

  it('SHOW GRANTS prints table, column and routine privileges the way MySQL does', async () => {
    await double.admin('CREATE PROCEDURE shop.recalc() BEGIN END');
    await double.admin(`CREATE USER 'granted'@'%' IDENTIFIED BY 'g'`);
    await double.admin(`GRANT SELECT (id), UPDATE ON shop.orders TO 'granted'@'%' WITH GRANT OPTION`);
    await double.admin(`GRANT EXECUTE ON PROCEDURE shop.recalc TO 'granted'@'%'`);
    await double.admin(`GRANT PROCESS, CREATE USER ON *.* TO 'granted'@'%'`);
    const grants = await double.admin<Record<string, string>>(`SHOW GRANTS FOR 'granted'@'%'`);
    expect(grants.map((r) => Object.values(r)[0])).toEqual([
      'GRANT PROCESS, CREATE USER ON *.* TO `granted`@`%`',
      'GRANT SELECT (`id`), UPDATE ON `shop`.`orders` TO `granted`@`%` WITH GRANT OPTION',
      'GRANT EXECUTE ON PROCEDURE `shop`.`recalc` TO `granted`@`%`',
    ]);
    expect(await failure(double.admin(`GRANT EXECUTE ON shop.orders TO 'granted'@'%'`))).toMatchObject({
      code: 'ER_ILLEGAL_GRANT_FOR_TABLE',
    });
    expect(await failure(double.admin(`GRANT SELECT ON shop.nosuch TO 'granted'@'%'`))).toMatchObject({
      code: 'ER_NO_SUCH_TABLE',
    });
  });

  it('answers COM_PING and reads a derived table under a READ ONLY transaction', async () => {
    const c = await double.connect(double.masterUser, double.masterPassword);
    try {
      await c.ping();
      await c.query('START TRANSACTION READ ONLY');
      const [rows] = await c.query(
        'SELECT /*+ MAX_EXECUTION_TIME(2000) */ 1 AS ok FROM (SELECT id FROM shop.orders) AS keyturn_probe LIMIT 1',
      );
      expect(rows).toEqual([]);
      await c.query('ROLLBACK');
    } finally {
      await c.end();
    }
  });
});
