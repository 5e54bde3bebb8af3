import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { escapeIdentifier, escapeLiteral } from 'pg';
import { deadlineIn } from '../../../functions/shared/deadline';
import { SecretStore } from '../../../functions/shared/secret-store';
import { encodeProbe, PROBE_TAG, type Probe } from '../../../functions/strategies/probe/probe';
import { createStrategyRegistry } from '../../../functions/strategies/registry';
import { startLocalPostgres, type LocalPostgres } from '../../../local/databases/postgres';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { createSecret, jsonAt, rotateAndWait, stagesOf, type DbSecret } from '../../support/secrets';

/**
 * A green rotation of alternating users means the consumer still works as the other user: what
 * it could do (privileges as the server resolves them, settings, default privileges) and the
 * entry's probe are checked before AWSCURRENT moves, and nothing moves when they fall short.
 */

/** Debian's PostgreSQL 15, where the machine has it: before 16, a member inherits by its own INHERIT attribute. */
const DEBIAN_PG15 = '/usr/lib/postgresql/15/bin';
const PG15_MISSING = existsSync(join(DEBIAN_PG15, 'postgres'))
  ? undefined
  : `${DEBIAN_PG15} is missing (Debian package postgresql-15)`;
const SERVER_NAMES = ['embedded', ...(PG15_MISSING === undefined ? ['debian-15'] : [])];

let stack: LocalStack;
let pg: LocalPostgres;
let superMasterArn: string;
let createRoleMasterArn: string;
let counter = 0;
const CREATEROLE_MASTER = 'keyturn_master';
const CREATEROLE_MASTER_PASSWORD = 'Master-createrole-password-1';
const servers: { name: string; pg: LocalPostgres; superMasterArn: string; createRoleMasterArn: string }[] = [];

async function prepare(server: LocalPostgres, name: string): Promise<void> {
  const superMaster = await createSecret(stack.client, `db/${name}/master`, server.masterSecretValue());
  // An RDS-like master: CREATEROLE, not a superuser; it creates the application users it later clones.
  await server.admin(
    `CREATE ROLE ${CREATEROLE_MASTER} WITH LOGIN CREATEROLE PASSWORD ${escapeLiteral(CREATEROLE_MASTER_PASSWORD)}`,
  );
  const createRoleMaster = await createSecret(
    stack.client,
    `db/${name}/master-createrole`,
    server.secretValue(CREATEROLE_MASTER, CREATEROLE_MASTER_PASSWORD),
  );
  await server.admin('CREATE SCHEMA app');
  await server.admin('CREATE TABLE app.orders (id int)');
  await server.admin('INSERT INTO app.orders VALUES (1), (2), (3)');
  await server.admin('CREATE TABLE app.audit (id int)');
  await server.admin('CREATE ROLE reporting NOLOGIN');
  await server.admin('GRANT USAGE ON SCHEMA app TO reporting');
  await server.admin('GRANT SELECT ON app.audit TO reporting');
  servers.push({ name, pg: server, superMasterArn: superMaster.arn, createRoleMasterArn: createRoleMaster.arn });
}

beforeAll(async () => {
  stack = await startLocalStack({ postgres: true });
  await prepare(stack.postgres as LocalPostgres, 'embedded');
  if (SERVER_NAMES.includes('debian-15')) await prepare(await startLocalPostgres({ binDir: DEBIAN_PG15 }), 'debian-15');
});
afterAll(async () => {
  await Promise.all(servers.filter((s) => s.name !== 'embedded').map((s) => s.pg.stop()));
  await stack.stop();
});

/** describe() whose tests run against one of the servers: `pg` and the master secrets point at it. */
function describeOn(name: string, title: string, tests: () => void): void {
  if (!SERVER_NAMES.includes(name)) {
    // A silent skip would look like a pass: the title and a line on stderr say why.
    process.stderr.write(`SKIPPED "${title} (${name})": ${PG15_MISSING ?? 'server missing'}\n`);
    describe.skip(`${title} (${name}, skipped: ${PG15_MISSING ?? 'server missing'})`, tests);
    return;
  }
  describe(`${title} (${name})`, () => {
    beforeAll(() => {
      const server = servers.find((s) => s.name === name);
      if (!server) throw new Error(`server ${name} did not start`);
      pg = server.pg;
      superMasterArn = server.superMasterArn;
      createRoleMasterArn = server.createRoleMasterArn;
    });
    tests();
  });
}

interface AppUser {
  readonly name: string;
  readonly password: string;
  readonly secretArn: string;
}

/** A user created by `setupSql` (with `$role` standing for its quoted name), and its alternating-users secret. */
async function givenAppUser(
  setupSql: readonly string[],
  options: { master?: 'superuser' | 'createrole'; tags?: Record<string, string> } = {},
): Promise<AppUser> {
  counter++;
  const name = `parity_${counter}`;
  const password = `Start-${counter}-password`;
  const role = escapeIdentifier(name);
  const run = options.master === 'createrole' ? asCreateRoleMaster : (sql: string) => pg.admin(sql);
  for (const sql of setupSql) await run(sql.replaceAll('$role', role).replaceAll('$password', escapeLiteral(password)));
  const masterarn = options.master === 'createrole' ? createRoleMasterArn : superMasterArn;
  const secret = await createSecret(
    stack.client,
    `db/parity/${counter}`,
    pg.secretValue(name, password, { masterarn }),
    options.tags ?? {},
  );
  return { name, password, secretArn: secret.arn };
}

async function asCreateRoleMaster(sql: string): Promise<void> {
  const client = await pg.openSession(CREATEROLE_MASTER, CREATEROLE_MASTER_PASSWORD);
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs `sql` (one statement, or several in turn) as a user: the last one's rows, or the server's error message. */
async function asUser(user: string, password: string, sql: string | readonly string[]): Promise<unknown> {
  const client = await pg.openSession(user, password);
  try {
    let rows: unknown[] = [];
    for (const statement of typeof sql === 'string' ? [sql] : sql) rows = (await client.query(statement)).rows;
    return rows;
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    await client.end();
  }
}

function probeTags(probe: Probe): Record<string, string> {
  return { [PROBE_TAG]: encodeProbe(probe) };
}

for (const serverName of ['embedded', 'debian-15']) {
  describeOn(serverName, 'PostgreSQL alternating users: the clone can do what the original can', () => {
    it('a NOINHERIT user with SELECT on a table: the clone can SELECT it after the switch', async () => {
      const app = await givenAppUser([
        'CREATE ROLE $role WITH LOGIN NOINHERIT PASSWORD $password',
        'GRANT USAGE ON SCHEMA app TO $role',
        'GRANT SELECT ON app.orders TO $role',
      ]);

      expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });

      const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
      expect(current.username).toBe(`${app.name}_clone`);
      expect(await asUser(current.username, current.password, 'SELECT count(*)::int AS n FROM app.orders')).toEqual([
        { n: 3 },
      ]);
    });

    it("keeps a NOINHERIT user's memberships SET ROLE-only for the clone, as they are for the original", async () => {
      const app = await givenAppUser([
        'CREATE ROLE $role WITH LOGIN NOINHERIT PASSWORD $password',
        'GRANT reporting TO $role',
      ]);

      expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });

      const clone = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
      const direct = await asUser(clone.username, clone.password, 'SELECT count(*)::int AS n FROM app.audit');
      expect(direct).toEqual({ error: expect.stringContaining('permission denied') as unknown });
      expect(await asUser(app.name, app.password, 'SELECT count(*)::int AS n FROM app.audit')).toEqual(direct);
      expect(
        await asUser(clone.username, clone.password, [
          'SET ROLE reporting',
          'SELECT count(*)::int AS n FROM app.audit',
        ]),
      ).toEqual([{ n: 0 }]);
    });

    it('a member of pg_read_all_data reads every table as the clone', async () => {
      const app = await givenAppUser([
        'CREATE ROLE $role WITH LOGIN PASSWORD $password',
        'GRANT pg_read_all_data TO $role',
      ]);

      expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });

      const clone = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
      expect(await asUser(clone.username, clone.password, 'SELECT count(*)::int AS n FROM app.orders')).toEqual([
        { n: 3 },
      ]);
    });

    it("carries the original's search_path and default privileges to the clone", async () => {
      const app = await givenAppUser([
        'CREATE ROLE $role WITH LOGIN PASSWORD $password',
        'GRANT USAGE, CREATE ON SCHEMA app TO $role',
        'GRANT SELECT ON app.orders TO $role',
        `ALTER ROLE $role SET search_path = app, "$user", public`,
        `ALTER ROLE $role SET statement_timeout = '7s'`,
        'ALTER DEFAULT PRIVILEGES FOR ROLE $role IN SCHEMA app GRANT SELECT ON TABLES TO reporting',
      ]);

      expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });

      const clone = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
      // Unqualified names resolve as they did for the original.
      expect(await asUser(clone.username, clone.password, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 3 }]);
      expect(await asUser(clone.username, clone.password, 'SHOW statement_timeout')).toEqual([
        { statement_timeout: '7s' },
      ]);
      // A table the clone creates is readable by reporting, as one the original creates would be.
      await asUser(clone.username, clone.password, `CREATE TABLE app.made_by_clone_${counter} (id int)`);
      const [visible] = await pg.admin<{ ok: boolean }>(
        `SELECT has_table_privilege('reporting', 'app.made_by_clone_${counter}', 'SELECT') AS ok`,
      );
      expect(visible).toEqual({ ok: true });
    });

    it('works with a CREATEROLE master that is not a superuser (RDS-like)', async () => {
      const app = await givenAppUser(
        ['CREATE ROLE $role WITH LOGIN NOINHERIT PASSWORD $password', `ALTER ROLE $role SET search_path = app, public`],
        { master: 'createrole' },
      );
      // The master created the user, so it may clone it; another administrator granted it a role the master cannot grant.
      await pg.admin(`GRANT reporting TO ${escapeIdentifier(app.name)}`);
      await pg.admin(`GRANT USAGE ON SCHEMA app TO ${escapeIdentifier(app.name)}`);
      await pg.admin(`GRANT SELECT ON app.orders TO ${escapeIdentifier(app.name)}`);

      expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });

      const clone = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
      expect(await asUser(clone.username, clone.password, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 3 }]);
    });

    it('refuses to switch back to a user that lacks what the clone gained, naming it, and moves nothing', async () => {
      const app = await givenAppUser([
        'CREATE ROLE $role WITH LOGIN PASSWORD $password',
        'GRANT USAGE, CREATE ON SCHEMA app TO $role',
      ]);
      expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });
      const clone = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
      // The application, as the clone, creates a table: the clone owns it, the original has no access.
      await asUser(clone.username, clone.password, `CREATE TABLE app.sessions_${counter} (id int)`);
      const before = await stagesOf(stack.client, app.secretArn);

      const second = await rotateAndWait(stack, app.secretArn);

      expect(second).toMatchObject({ succeeded: false, failedStep: 'testSecret', errorName: 'PrivilegeParityError' });
      expect(second.errorMessage).toContain(`user "${app.name}" cannot do everything "${clone.username}" can`);
      expect(second.errorMessage).toContain(`SELECT on table app.sessions_${counter}`);
      expect(second.errorMessage).toContain(`ownership of table app.sessions_${counter}`);
      expect(second.errorMessage).not.toContain(clone.password);
      // AWSCURRENT did not move: the clone still works, and is still current.
      const after = await stagesOf(stack.client, app.secretArn);
      const currentOf = (stages: Record<string, string[]>) =>
        Object.entries(stages).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
      expect(currentOf(after)).toBe(currentOf(before));
      expect(await pg.canLogin(clone.username, clone.password)).toBe(true);
    });

    it('names a superuser-only attribute the clone may not get instead of switching', async () => {
      const app = await givenAppUser(['CREATE ROLE $role WITH LOGIN BYPASSRLS PASSWORD $password']);

      const result = await rotateAndWait(stack, app.secretArn);

      expect(result).toMatchObject({ succeeded: false, failedStep: 'testSecret', errorName: 'PrivilegeParityError' });
      expect(result.errorMessage).toContain('BYPASSRLS');
    });
  });

  describeOn(serverName, 'PostgreSQL: the entry probe', () => {
    it('passes testSecret when the new credential can run it, and runs it read-only', async () => {
      const app = await givenAppUser(
        [
          'CREATE ROLE $role WITH LOGIN PASSWORD $password',
          'GRANT USAGE ON SCHEMA app TO $role',
          'GRANT SELECT ON app.orders TO $role',
        ],
        { tags: probeTags({ sql: 'SELECT id FROM app.orders WHERE id > 1' }) },
      );

      expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });
    });

    it('fails testSecret with ProbeFailedError when the new credential cannot run it, and nothing moves', async () => {
      const app = await givenAppUser(['CREATE ROLE $role WITH LOGIN PASSWORD $password'], {
        tags: probeTags({ sql: 'SELECT id FROM app.audit' }),
      });

      const result = await rotateAndWait(stack, app.secretArn);

      expect(result).toMatchObject({ succeeded: false, failedStep: 'testSecret', errorName: 'ProbeFailedError' });
      expect(result.errorMessage).toContain('probe "SELECT id FROM app.audit" failed');
      expect(result.errorMessage).toContain('permission denied');
    });

    it('refuses a probe tag that is not one read-only query, before running anything', async () => {
      const app = await givenAppUser(['CREATE ROLE $role WITH LOGIN PASSWORD $password'], {
        tags: { [PROBE_TAG]: Buffer.from(JSON.stringify({ sql: 'DELETE FROM app.orders' })).toString('base64') },
      });

      const result = await rotateAndWait(stack, app.secretArn);

      expect(result).toMatchObject({ succeeded: false, errorName: 'InvalidStrategyOptionError' });
      expect(result.errorMessage).toContain('DELETE');
      expect(await pg.admin('SELECT count(*)::int AS n FROM app.orders')).toEqual([{ n: 3 }]);
    });

    it('a probe that would write fails inside its read-only transaction even if a tag slipped it through', async () => {
      const strategy = createStrategyRegistry()['postgres-single-user'];
      const app = await givenAppUser([
        'CREATE ROLE $role WITH LOGIN PASSWORD $password',
        'GRANT USAGE ON SCHEMA app TO $role',
      ]);
      await pg.admin(`CREATE SEQUENCE app.seq_${counter}`);
      await pg.admin(`GRANT USAGE ON SEQUENCE app.seq_${counter} TO ${escapeIdentifier(app.name)}`);
      // nextval is refused by the checker; a function that calls it is not known to it, but the transaction is read-only.
      await pg.admin(
        `CREATE FUNCTION app.bump_${counter}() RETURNS bigint LANGUAGE sql AS $$ SELECT nextval('app.seq_${counter}') $$`,
      );
      const version = { versionId: 'v1', value: pg.secretValue(app.name, app.password), stages: ['AWSCURRENT'] };
      const ctx = {
        secretArn: app.secretArn,
        token: 't',
        tags: probeTags({ sql: `SELECT app.bump_${counter}()` }),
        store: new SecretStore(stack.client),
        logger: new Logger({ logLevel: 'SILENT' }),
        deadline: deadlineIn(60_000),
      };

      const result = await strategy.verify(version, ctx, { probe: true });

      expect(result).toMatchObject({ ok: false, failure: 'probe' });
      expect(!result.ok && result.reason).toContain('read-only transaction');
      expect(await pg.admin(`SELECT last_value::int AS v, is_called FROM app.seq_${counter}`)).toEqual([
        { v: 1, is_called: false },
      ]);
    });
  });
}
