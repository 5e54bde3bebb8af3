import { grantChanges, parseGrants } from '../../../functions/strategies/mysql/grants';

const original = { user: 'app', host: '%' };
const clone = { user: 'app_clone', host: '%' };

describe('parseGrants (SHOW GRANTS as MariaDB and MySQL print it)', () => {
  it('reads privileges per object and column, grant option, roles, and the default role', () => {
    const grants = parseGrants(
      [
        "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19' WITH MAX_USER_CONNECTIONS 7",
        'GRANT SELECT, INSERT ON `shop`.* TO `app`@`%`',
        'GRANT SELECT (`id`, `note`), UPDATE (`note`) ON `shop`.`orders` TO `app`@`%` WITH GRANT OPTION',
        'GRANT EXECUTE ON PROCEDURE `shop`.`refund` TO `app`@`%`',
        'GRANT `order_readers` TO `app`@`%`',
        'SET DEFAULT ROLE `order_readers` FOR `app`@`%`',
        "GRANT PROXY ON 'someone'@'%' TO 'app'@'%'",
      ],
      original,
    );
    expect(
      [...grants.privileges.entries()].map(([k, v]) => [
        JSON.parse(k) as unknown,
        [...v].map((a) => JSON.parse(a) as unknown),
      ]),
    ).toEqual([
      [
        ['', 'shop', '*'],
        [
          ['SELECT', null],
          ['INSERT', null],
        ],
      ],
      [
        ['', 'shop', 'orders'],
        [
          ['SELECT', 'id'],
          ['SELECT', 'note'],
          ['UPDATE', 'note'],
        ],
      ],
      [['PROCEDURE', 'shop', 'refund'], [['EXECUTE', null]]],
    ]);
    expect(grants.grantOption.get(JSON.stringify(['', 'shop', 'orders']))).toBe(true);
    expect(grants.grantOption.get(JSON.stringify(['', 'shop', '*']))).toBe(false);
    expect([...grants.roles]).toEqual([[JSON.stringify(['order_readers', null]), false]]);
    expect(grants.defaultRole).toEqual({ name: 'order_readers' });
    expect(grants.proxies).toEqual(["'someone'@'%'"]);
  });

  it("reads MySQL's role accounts and dynamic privileges", () => {
    const grants = parseGrants(
      [
        'GRANT USAGE ON *.* TO `app`@`%`',
        'GRANT APPLICATION_PASSWORD_ADMIN ON *.* TO `app`@`%`',
        'GRANT `reader`@`%`,`writer`@`%` TO `app`@`%` WITH ADMIN OPTION',
      ],
      original,
    );
    expect([...(grants.privileges.get(JSON.stringify(['', '*', '*'])) ?? [])]).toEqual([
      JSON.stringify(['APPLICATION_PASSWORD_ADMIN', null]),
    ]);
    expect([...grants.roles]).toEqual([
      [JSON.stringify(['reader', '%']), true],
      [JSON.stringify(['writer', '%']), true],
    ]);
  });

  it('keeps names with quotes, backticks and dots as single names', () => {
    const grants = parseGrants(["GRANT SELECT ON `we``ird.db`.`t'x` TO `a``b`@`%`"], { user: 'a`b', host: '%' });
    expect([...grants.objects.values()]).toEqual([{ type: '', database: 'we`ird.db', name: "t'x" }]);
  });

  it('refuses what it cannot copy faithfully: partial revokes, and grants for another account', () => {
    expect(() => parseGrants(['REVOKE INSERT ON `mysql`.* FROM `app`@`%`'], original)).toThrow(/partial revokes/);
    expect(() => parseGrants(['GRANT SELECT ON *.* TO `other`@`%`'], original)).toThrow(/not for 'app'@'%'/);
  });
});

describe('grantChanges', () => {
  const desired = parseGrants(
    [
      'GRANT SELECT, INSERT ON `shop`.* TO `app`@`%`',
      'GRANT UPDATE (`note`) ON `shop`.`orders` TO `app`@`%`',
      'GRANT `order_readers` TO `app`@`%`',
      'SET DEFAULT ROLE `order_readers` FOR `app`@`%`',
    ],
    original,
  );

  it('grants what is missing, then revokes what is extra, naming the clone quoted', () => {
    const actual = parseGrants(
      [
        'GRANT SELECT, DELETE ON `shop`.* TO `app_clone`@`%`',
        'GRANT SELECT ON `shop`.`audit` TO `app_clone`@`%` WITH GRANT OPTION',
        'GRANT `admins` TO `app_clone`@`%`',
      ],
      clone,
    );
    expect(grantChanges(desired, actual, clone).map((c) => c.sql)).toEqual([
      'GRANT INSERT ON `shop`.* TO `app_clone`@`%`',
      'GRANT UPDATE (`note`) ON `shop`.`orders` TO `app_clone`@`%`',
      'GRANT `order_readers` TO `app_clone`@`%`',
      'REVOKE DELETE ON `shop`.* FROM `app_clone`@`%`',
      'REVOKE SELECT ON `shop`.`audit` FROM `app_clone`@`%`',
      'REVOKE GRANT OPTION ON `shop`.`audit` FROM `app_clone`@`%`',
      'REVOKE `admins` FROM `app_clone`@`%`',
      'SET DEFAULT ROLE `order_readers` FOR `app_clone`@`%`',
    ]);
  });

  it('is empty when the clone already matches (no statement run twice)', () => {
    const same = parseGrants(
      [
        'GRANT SELECT, INSERT ON `shop`.* TO `app_clone`@`%`',
        'GRANT UPDATE (`note`) ON `shop`.`orders` TO `app_clone`@`%`',
        'GRANT `order_readers` TO `app_clone`@`%`',
        'SET DEFAULT ROLE `order_readers` FOR `app_clone`@`%`',
      ],
      clone,
    );
    expect(grantChanges(desired, same, clone)).toEqual([]);
  });
});
