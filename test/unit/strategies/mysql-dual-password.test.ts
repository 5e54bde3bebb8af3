import { deadlineIn } from '../../../functions/shared/deadline';
import { olderVersions } from '../../support/versions';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SecretStore, SecretVersion } from '../../../functions/shared/secret-store';
import { assertUserNameFits } from '../../../functions/strategies/mysql/common';
import {
  scrub,
  type MysqlLogin,
  type MysqlSession,
  type SensitiveStatement,
} from '../../../functions/strategies/mysql/connection';
import { MysqlTargetError } from '../../../functions/strategies/mysql/errors';
import {
  createUserStatement,
  nativePasswordHash,
  setPasswordStatement,
} from '../../../functions/strategies/mysql/password-statements';
import { ed25519PublicKey } from '../../../functions/strategies/mysql/ed25519';
import { parseServerVersion } from '../../../functions/strategies/mysql/server-version';
import { createMysqlSingleUserStrategy } from '../../../functions/strategies/mysql/single-user';
import type { RotationVersions, StrategyContext } from '../../../functions/strategies/strategy';

/**
 * A MySQL server in memory, enough for one account: it authenticates with the primary or the
 * secondary password, and applies the password statements keyturn sends the way MySQL 8 does
 * (RETAIN CURRENT PASSWORD keeps the primary as the secondary; without it the secondary stays;
 * DISCARD OLD PASSWORD drops it). Every statement is recorded.
 */
class FakeMysql {
  readonly statements: string[] = [];
  primary: string;
  secondary: string | undefined;

  constructor(
    private readonly versionText: string,
    password: string,
    private readonly options: { canRetain?: boolean; requireCurrent?: boolean; plugin?: string } = {},
  ) {
    this.primary = password;
  }

  accepts(password: string): boolean {
    return password === this.primary || password === this.secondary;
  }

  readonly login: MysqlLogin = (credential) =>
    Promise.resolve(
      credential.username === 'app' && this.accepts(credential.password)
        ? { accepted: true as const, session: this.session() }
        : { accepted: false as const },
    );

  private session(): MysqlSession {
    const account = { user: 'app', host: '%' };
    return {
      version: parseServerVersion(this.versionText),
      account,
      connectionId: 42,
      query: (sql: string) => {
        this.statements.push(sql);
        if (sql.startsWith('SHOW CREATE USER')) {
          const plugin = this.options.plugin ?? 'caching_sha2_password';
          return Promise.resolve([
            { 'CREATE USER for app@%': `CREATE USER \`app\`@\`%\` IDENTIFIED WITH '${plugin}' AS 'x'` },
          ] as never[]);
        }
        if (sql.endsWith('DISCARD OLD PASSWORD')) this.secondary = undefined;
        return Promise.resolve([]);
      },
      execute: (statement: SensitiveStatement) => {
        const sql = statement.sql;
        this.statements.push(sql);
        const retain = sql.endsWith(' RETAIN CURRENT PASSWORD');
        if (retain && this.options.canRetain === false) {
          return Promise.reject(
            new MysqlTargetError(
              'Access denied; you need APPLICATION_PASSWORD_ADMIN',
              'ER_SPECIFIC_ACCESS_DENIED_ERROR',
            ),
          );
        }
        if (this.options.requireCurrent && !sql.includes(' REPLACE ')) {
          return Promise.reject(
            new MysqlTargetError('Current password needs to be specified', 'ER_MISSING_CURRENT_PASSWORD'),
          );
        }
        const password = /IDENTIFIED BY '([^']*)'/.exec(sql)?.[1] ?? /= '([^']*)'/.exec(sql)?.[1];
        if (password === undefined) return Promise.reject(new Error(`fake cannot apply: ${sql}`));
        if (retain) this.secondary = this.primary;
        this.primary = password;
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
  }
}

const secretValue = (password: string) =>
  JSON.stringify({ engine: 'mysql', host: 'db.internal', port: 3306, username: 'app', password });

function version(id: string, password: string, createdAt = new Date()): SecretVersion {
  return { versionId: id, value: secretValue(password), stages: [], createdAt };
}

function context(): StrategyContext & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf',
    token: 'token',
    tags: {},
    store: undefined as unknown as SecretStore,
    logger: { warn: (message: string) => warnings.push(message) } as unknown as Logger,
    deadline: deadlineIn(60_000),
    warnings,
  };
}

function versions(current: SecretVersion, pending: SecretVersion): RotationVersions {
  return { current, pending, older: olderVersions() };
}

const OLD = 'Old-password-1';
const NEW = 'New-password-2';

describe('MySQL 8.0.14+ single user: dual passwords', () => {
  it('setSecret keeps the old password valid (RETAIN CURRENT PASSWORD); revoke discards it', async () => {
    const server = new FakeMysql('8.0.35', OLD);
    const strategy = createMysqlSingleUserStrategy(server.login);
    const ctx = context();
    const current = version('v1', OLD);
    const pending = version('v2', NEW);

    await strategy.setSecret(versions(current, pending), ctx);

    expect(server.statements.filter((s) => s.startsWith('ALTER USER'))).toEqual([
      `ALTER USER \`app\`@\`%\` IDENTIFIED BY '${NEW}' RETAIN CURRENT PASSWORD`,
    ]);
    expect(server.accepts(NEW)).toBe(true);
    expect(server.accepts(OLD)).toBe(true); // the grace window
    await strategy.testSecret(versions(current, pending), ctx);

    const revoked = await strategy.revoke(current, pending, ctx);

    expect(server.statements).toContain('ALTER USER `app`@`%` DISCARD OLD PASSWORD');
    expect(server.accepts(OLD)).toBe(false);
    expect(server.accepts(NEW)).toBe(true);
    expect(revoked).toMatchObject({ status: 'revoked', detail: expect.stringContaining('discarded') as string });
  });

  it('setSecret run twice changes the password once (the pending credential already works)', async () => {
    const server = new FakeMysql('8.4.0', OLD);
    const strategy = createMysqlSingleUserStrategy(server.login);
    const v = versions(version('v1', OLD), version('v2', NEW));
    await strategy.setSecret(v, context());
    await strategy.setSecret(v, context());
    expect(server.statements.filter((s) => s.startsWith('ALTER USER'))).toHaveLength(1);
    expect(server.secondary).toBe(OLD);
  });

  it('without APPLICATION_PASSWORD_ADMIN, changes the password without a grace window, and says so', async () => {
    const server = new FakeMysql('8.0.35', OLD, { canRetain: false });
    const ctx = context();
    await createMysqlSingleUserStrategy(server.login).setSecret(versions(version('v1', OLD), version('v2', NEW)), ctx);
    expect(server.statements.filter((s) => s.startsWith('ALTER USER'))).toEqual([
      `ALTER USER \`app\`@\`%\` IDENTIFIED BY '${NEW}' RETAIN CURRENT PASSWORD`,
      `ALTER USER \`app\`@\`%\` IDENTIFIED BY '${NEW}'`,
    ]);
    expect(server.accepts(OLD)).toBe(false);
    expect(ctx.warnings.join(' ')).toMatch(/APPLICATION_PASSWORD_ADMIN/);
    expect(ctx.warnings.join(' ')).not.toContain(NEW);
  });

  it('names the current password (REPLACE) where the server requires it', async () => {
    const server = new FakeMysql('8.0.35', OLD, { requireCurrent: true });
    await createMysqlSingleUserStrategy(server.login).setSecret(
      versions(version('v1', OLD), version('v2', NEW)),
      context(),
    );
    expect(server.statements.filter((s) => s.startsWith('ALTER USER')).at(-1)).toBe(
      `ALTER USER \`app\`@\`%\` IDENTIFIED BY '${NEW}' REPLACE '${OLD}' RETAIN CURRENT PASSWORD`,
    );
    expect(server.accepts(NEW) && server.accepts(OLD)).toBe(true);
  });

  it('MySQL 8.0.13 has no dual passwords: a plain change, the old password rejected at once', async () => {
    const server = new FakeMysql('8.0.13', OLD);
    const strategy = createMysqlSingleUserStrategy(server.login);
    await strategy.setSecret(versions(version('v1', OLD), version('v2', NEW)), context());
    expect(server.statements.filter((s) => s.startsWith('ALTER USER'))).toEqual([
      `ALTER USER \`app\`@\`%\` IDENTIFIED BY '${NEW}'`,
    ]);
    expect(server.accepts(OLD)).toBe(false);
    const revoked = await strategy.revoke(version('v1', OLD), version('v2', NEW), context());
    expect(server.statements).not.toContain('ALTER USER `app`@`%` DISCARD OLD PASSWORD');
    expect(revoked.detail).toMatch(/replaced at setSecret/);
  });

  it('MariaDB: SET PASSWORD with the native hash, which a user may run on itself', async () => {
    const server = new FakeMysql('10.11.19-MariaDB', OLD, { plugin: 'mysql_native_password' });
    await createMysqlSingleUserStrategy(server.login).setSecret(
      versions(version('v1', OLD), version('v2', NEW)),
      context(),
    );
    expect(server.statements.filter((s) => s.startsWith('SET PASSWORD'))).toEqual([
      `SET PASSWORD FOR \`app\`@\`%\` = '${nativePasswordHash(NEW)}'`,
    ]);
  });
});

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
