import { assertUserNameFits } from '../../../functions/strategies/mysql/common';
import { scrub } from '../../../functions/strategies/mysql/connection';
import {
  createUserStatement,
  nativePasswordHash,
  setPasswordStatement,
} from '../../../functions/strategies/mysql/password-statements';
import { ed25519PublicKey } from '../../../functions/strategies/mysql/ed25519';
import { parseServerVersion } from '../../../functions/strategies/mysql/server-version';

/*
 * The statements keyturn builds. How the single-user strategy uses MySQL 8's dual passwords is
 * tested against the MySQL 8 double (test/integration/rotation/mysql8-single-user.test.ts).
 */
const NEW = 'New-password-2';

describe('password statements a master runs (alternating users)', () => {
  const mysql = parseServerVersion('8.0.35');
  const mariadb = parseServerVersion('10.11.19-MariaDB');
  const clone = { user: 'app_clone', host: '10.0.%' };

  it('create the clone with the same plugin: a hash for mysql_native_password, else the plugin hashes', () => {
    expect(createUserStatement(mysql, clone, 'mysql_native_password', NEW).sql).toBe(
      `CREATE USER \`app_clone\`@\`10.0.%\` IDENTIFIED WITH mysql_native_password AS '${nativePasswordHash(NEW)}'`,
    );
    expect(createUserStatement(mysql, clone, 'caching_sha2_password', NEW).sql).toBe(
      `CREATE USER \`app_clone\`@\`10.0.%\` IDENTIFIED WITH caching_sha2_password BY '${NEW}'`,
    );
    expect(createUserStatement(mariadb, clone, 'mysql_native_password', NEW).sql).toBe(
      `CREATE USER \`app_clone\`@\`10.0.%\` IDENTIFIED BY PASSWORD '${nativePasswordHash(NEW)}'`,
    );
    expect(createUserStatement(mariadb, clone, 'ed25519', NEW).sql).toBe(
      `CREATE USER \`app_clone\`@\`10.0.%\` IDENTIFIED VIA ed25519 USING '${ed25519PublicKey(NEW)}'`,
    );
    expect(createUserStatement(mariadb, clone, 'parsec', NEW).sql).toBe(
      `CREATE USER \`app_clone\`@\`10.0.%\` IDENTIFIED VIA parsec USING PASSWORD('${NEW}')`,
    );
  });

  it('carry their secret values for scrubbing', () => {
    expect(setPasswordStatement(mysql, clone, 'mysql_native_password', NEW).secrets).toEqual([
      nativePasswordHash(NEW),
      NEW,
    ]);
  });
});

describe('errors never quote a password or a hash', () => {
  it('scrubs the known secrets, in plain and quoted form, and anything shaped like a native hash', () => {
    const message =
      "You have an error in your SQL syntax near 'it''s-secret') and '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19' at line 1";
    const clean = scrub(message, ["it's-secret"]);
    expect(clean).not.toContain("it''s-secret");
    expect(clean).not.toContain('2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
    expect(clean).toContain('[redacted]');
  });

  it("refuses a user name longer than the server's limit, naming the server", () => {
    expect(() => {
      assertUserNameFits(parseServerVersion('8.0.35'), 'a'.repeat(27) + '_clone');
    }).toThrow(/has 33 characters; MySQL 8\.0\.35 allows at most 32/);
    expect(() => {
      assertUserNameFits(parseServerVersion('10.11.19-MariaDB'), 'a'.repeat(27) + '_clone');
    }).not.toThrow();
  });
});
