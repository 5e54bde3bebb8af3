import { generatePassword } from '../../shared/password';
import type { SecretVersion } from '../../shared/secret-store';
import { settled } from '../../shared/settled';
import { masterWantsTls, readMasterOf, requireMasterArn } from '../database/master-fields';
import { newDatabasePassword } from '../database/password';
import { lambdaRdsClient, type RdsClientProvider } from '../database/rds-client';
import { InvalidSecretValueError, MasterSecretError, RevokeRefusedError } from '../errors';
import type { RevokeOptions, RotationStrategy, RotationVersions, StrategyContext } from '../strategy';
import { inRotationTransaction, setPasswordStatement, testPendingCredential, verifyPostgresCredential } from './common';
import {
  KEYTURN_APPLICATION_NAME,
  loginToPostgres,
  quoteIdentifier,
  quoteLiteral,
  withSession,
  type PostgresLogin,
  type PostgresSession,
} from './connection';
import { isConfigurationTest } from '../configuration-test';
import { requirePendingVerified } from '../verify-result';
import { alignCloneRole, createCloneRole, isDirectMember } from './clone-role';
import { assertNoRotationSince } from '../reinstate-guard';
import {
  describeTarget,
  MAX_POSTGRES_IDENTIFIER_BYTES,
  parsePostgresSecret,
  DEFAULT_POSTGRES_PORT,
  sameTarget,
  type PostgresSecret,
} from './secret';

export const CLONE_SUFFIX = '_clone';

/** The user a rotation switches to: `name` ⇄ `name_clone`. */
export function alternateUsername(username: string): string {
  const other = username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : username + CLONE_SUFFIX;
  if (other.length === 0 || Buffer.byteLength(other) > MAX_POSTGRES_IDENTIFIER_BYTES) {
    throw new InvalidSecretValueError(
      `user "${username}" cannot alternate: "${other}" is not a valid PostgreSQL role name (1 to ${MAX_POSTGRES_IDENTIFIER_BYTES} bytes)`,
    );
  }
  return other;
}

/** The name both users of a pair share: the lock that serializes their rotations is taken on it. */
function baseUsername(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : username;
}

function parseVersions(versions: RotationVersions): { pending: PostgresSecret; current: PostgresSecret } {
  const current = parsePostgresSecret(versions.current.value, 'current');
  const pending = parsePostgresSecret(versions.pending.value, 'pending');
  if (!sameTarget(pending, current)) {
    throw new InvalidSecretValueError(
      'the pending value names another host, port, database or ssl setting than the current value',
    );
  }
  if (pending.username !== alternateUsername(current.username)) {
    throw new InvalidSecretValueError(
      `the pending value's user must be "${alternateUsername(current.username)}", the alternate of the current user`,
    );
  }
  return { pending, current };
}

/**
 * A session as the master user named by the secret's `masterarn`: an ordinary secret on the same
 * database (or a replica's primary), or one Amazon RDS manages for it (database/master-secret.ts).
 */
async function loginAsMaster(
  login: PostgresLogin,
  rds: RdsClientProvider,
  secret: PostgresSecret,
  ctx: StrategyContext,
): Promise<PostgresSession> {
  const master = await readMasterOf(secret, { family: 'postgres', defaultPort: DEFAULT_POSTGRES_PORT, rds }, ctx);
  // The master logs in to the rotated secret's database, over TLS if either secret asks for it.
  const result = await login({
    ...secret,
    location: master.location,
    username: master.username,
    password: master.password,
    ssl: secret.ssl || masterWantsTls(master),
  });
  if (!result.accepted) {
    throw new MasterSecretError(`the master user "${master.username}" is rejected by ${describeTarget(secret)}`);
  }
  return result.session;
}

/**
 * Two PostgreSQL users take turns: each rotation sets a new password on the user that is
 * not current and makes it current, so the previous user keeps working through the grace
 * window. The clone is created on first rotation as a copy of the original (see clone-role).
 */
export function createPostgresAlternatingUsersStrategy(
  login: PostgresLogin = loginToPostgres,
  rds: RdsClientProvider = lambdaRdsClient,
): RotationStrategy {
  return {
    name: 'postgres-alternating-users',

    createPendingValue: (current: SecretVersion, ctx: StrategyContext) =>
      settled(() => {
        const secret = parsePostgresSecret(current.value, 'current');
        requireMasterArn(secret);
        const username = alternateUsername(secret.username);
        return JSON.stringify({ ...secret.fields, username, password: newDatabasePassword(ctx) });
      }),

    async setSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      const { pending, current } = parseVersions(versions);
      const already = await login(pending);
      if (already.accepted) {
        await already.session.close();
        return; // applied by an earlier attempt of this step
      }
      const master = await loginAsMaster(login, rds, current, ctx);
      // One transaction, under keyturn's lock for the pair: a clone is created with all it needs, or
      // not at all, and a twin invocation waits, then finds the clone and sets the same password.
      await withSession(master, (session) =>
        inRotationTransaction(session, baseUsername(current.username), async () => {
          const [exists] = await session.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [pending.username]);
          if (!exists) await createCloneRole(session, { from: current.username, to: pending.username });
          // The user keyturn made is the one that is a member of the other: it follows its original.
          if (!exists || (await isDirectMember(session, pending.username, current.username))) {
            await alignCloneRole(session, { from: current.username, to: pending.username }, ctx.logger);
          }
          await session.query(setPasswordStatement(quoteIdentifier(pending.username), pending.password, quoteLiteral));
        }),
      );
    },

    async testSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      if (isConfigurationTest(versions)) {
        // The current user logs in and passes the probe, and the master the next rotation needs logs in too.
        const current = parsePostgresSecret(versions.current.value, 'current');
        await (await loginAsMaster(login, rds, current, ctx)).close();
        requirePendingVerified(
          await verifyPostgresCredential(login, versions.pending, 'pending', { ctx, options: { probe: true } }),
        );
        return;
      }
      parseVersions(versions);
      await testPendingCredential(login, versions, ctx);
    },

    verify: (credential, ctx, options) =>
      verifyPostgresCredential(login, credential, `version ${credential.versionId}`, { ctx, options }),

    async usage(old: SecretVersion, replacement: SecretVersion, ctx: StrategyContext) {
      const oldSecret = parsePostgresSecret(old.value, 'old');
      const master = await loginAsMaster(login, rds, parsePostgresSecret(replacement.value, 'replacement'), ctx);
      const [row] = await withSession(master, (s) =>
        s.query<{ count: string }>(
          `SELECT count(*) AS count FROM pg_stat_activity
            WHERE usename = $1 AND pid <> pg_backend_pid() AND application_name <> $2`,
          [oldSecret.username, KEYTURN_APPLICATION_NAME],
        ),
      );
      const open = Number(row?.count ?? 0);
      return {
        inUse: open > 0,
        activeSessions: open,
        evidence: `${open} open session(s) of the old user "${oldSecret.username}"`,
      };
    },

    /**
     * After revoke (a breach of the watch window): the old user gets its previous password again, so consumers still
     * holding it log in while they are fixed. AWSCURRENT's user is never touched. Under the pair's lock, as setSecret
     * and revoke, and only while the secret's labels are as they were (a next rotation's setSecret gives this same user
     * its next password: never undone). Nothing changes while the old password still works.
     */
    async reinstate(previous: SecretVersion, current: SecretVersion, ctx: StrategyContext): Promise<boolean> {
      const oldSecret = parsePostgresSecret(previous.value, 'previous');
      const newSecret = parsePostgresSecret(current.value, 'current');
      if (oldSecret.username === newSecret.username) {
        throw new RevokeRefusedError(
          `the previous and the current credential are the same user "${newSecret.username}": reinstating would change AWSCURRENT's`,
        );
      }
      if ((await verifyPostgresCredential(login, previous, 'previous')).ok) return false;
      const master = await loginAsMaster(login, rds, newSecret, ctx);
      return withSession(master, (session) =>
        inRotationTransaction(session, baseUsername(newSecret.username), async () => {
          await assertNoRotationSince(ctx, current);
          if ((await verifyPostgresCredential(login, previous, 'previous')).ok) return false; // a twin did it
          await session.query(
            setPasswordStatement(quoteIdentifier(oldSecret.username), oldSecret.password, quoteLiteral),
          );
          return true;
        }),
      );
    },

    async revoke(old: SecretVersion, replacement: SecretVersion, ctx: StrategyContext, options: RevokeOptions = {}) {
      const oldSecret = parsePostgresSecret(old.value, 'old');
      const newSecret = parsePostgresSecret(replacement.value, 'replacement');
      if (oldSecret.username === newSecret.username) {
        throw new RevokeRefusedError(
          `the old and the replacement credential are the same user "${newSecret.username}"`,
        );
      }
      const replacementWorks = await verifyPostgresCredential(login, replacement, 'replacement');
      if (!replacementWorks.ok) {
        throw new RevokeRefusedError(
          `the replacement does not authenticate (${replacementWorks.reason}): revoking the old user would cut every client off`,
        );
      }
      const master = await loginAsMaster(login, rds, newSecret, ctx);
      // Under the pair's lock, as setSecret: a twin revoke waits and then finds the old password already
      // gone, and a next rotation's setSecret, which gives this same user its new password, is never undone.
      const { replaced, terminated } = await withSession(master, (session) =>
        inRotationTransaction(session, baseUsername(newSecret.username), async () => {
          const oldStillWorks = (await verifyPostgresCredential(login, old, 'old')).ok;
          // The role is kept (it owns objects and grants, and the next rotation reuses it); only its password goes.
          if (oldStillWorks) {
            await session.query(
              setPasswordStatement(quoteIdentifier(oldSecret.username), generatePassword({ length: 64 }), quoteLiteral),
            );
          }
          if (!options.terminateSessions) return { replaced: oldStillWorks, terminated: 0 };
          const rows = await session.query<{ terminated: boolean }>(
            `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
              WHERE usename = $1 AND pid <> pg_backend_pid() AND application_name <> $2`,
            [oldSecret.username, KEYTURN_APPLICATION_NAME],
          );
          return { replaced: oldStillWorks, terminated: rows.filter((r) => r.terminated).length };
        }),
      );
      return {
        status: 'revoked' as const,
        terminatedSessions: terminated,
        detail: replaced
          ? `user "${oldSecret.username}" got an unknown random password; the role and its grants are kept`
          : `the old password of user "${oldSecret.username}" was already rejected (revoked by an earlier attempt, or replaced by a later rotation); nothing changed`,
      };
    },
  };
}
