import type { SecretVersion } from '../../shared/secret-store';
import { loginWithHeldCredential as loginWithHeldDatabaseCredential } from '../database/login';
import { probeFromTags } from '../probe/probe';
import type { RotationVersions, StrategyContext, VerifyOptions, VerifyResult } from '../strategy';
import { SERVER_TARGETS } from '../targets';
import { rejected, requirePendingVerified } from '../verify-result';
import { withSession, type PostgresLogin, type PostgresSession } from './connection';
import { describePrivilegeGaps, privilegeGaps } from './privileges';
import { runSqlProbe } from './probe';
import { scramSha256Verifier } from './scram';
import { describeTarget, parsePostgresSecret, sameServer, type PostgresSecret } from './secret';

/**
 * `ALTER ROLE ... PASSWORD` with a SCRAM verifier: the plaintext never reaches the server.
 * Only the password: a user may change its own, but not its other attributes.
 */
export function setPasswordStatement(
  quotedRole: string,
  password: string,
  quoteLiteral: (s: string) => string,
): string {
  return `ALTER ROLE ${quotedRole} WITH PASSWORD ${quoteLiteral(scramSha256Verifier(password))}`;
}

const POSTGRES_PROBE = SERVER_TARGETS['postgres-single-user'].probe;

/**
 * Whether a credential works, and as `options` ask, does the consumer's job: logs in as its own
 * user; can do everything the user it `replaces` could (when the two differ: privileges.ts);
 * passes the entry's probe. A target that cannot be reached throws: that is no answer.
 */
export async function verifyPostgresCredential(
  login: PostgresLogin,
  credential: SecretVersion,
  label: string,
  checks: { readonly ctx?: StrategyContext; readonly options?: VerifyOptions } = {},
): Promise<VerifyResult> {
  const secret = parsePostgresSecret(credential.value, label);
  const result = await login(secret);
  if (!result.accepted) return rejected(`user "${secret.username}" was rejected by ${describeTarget(secret)}`);
  return withSession(result.session, async (session): Promise<VerifyResult> => {
    const [row] = await session.query<{ user: string }>('SELECT current_user AS "user"');
    if (row?.user !== secret.username)
      return rejected(`logged in as "${row?.user ?? '?'}", expected "${secret.username}"`);
    const { ctx, options = {} } = checks;
    if (options.replaces) {
      const replaced = parsePostgresSecret(options.replaces.value, 'replaced');
      const gaps = await missingPrivileges(session, replaced.username, secret.username, ctx);
      if (gaps) return { ok: false, failure: 'privileges', reason: gaps };
    }
    const probe = options.probe && ctx ? probeFromTags(ctx.tags, POSTGRES_PROBE) : undefined;
    if (probe && 'sql' in probe) {
      const failed = await runSqlProbe(session, probe);
      if (failed) return { ok: false, failure: 'probe', reason: `as "${secret.username}": ${failed}` };
    }
    return { ok: true };
  });
}

/**
 * What `newUser` lacks of `oldUser`'s privileges, in words; undefined when nothing (or the same
 * user, or an old user that no longer exists: then there is nothing left to compare with).
 */
async function missingPrivileges(
  session: PostgresSession,
  oldUser: string,
  newUser: string,
  ctx: StrategyContext | undefined,
): Promise<string | undefined> {
  if (oldUser === newUser) return undefined;
  const [exists] = await session.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [oldUser]);
  if (!exists) {
    ctx?.logger.warn(`user "${oldUser}" no longer exists: no privileges to compare "${newUser}" with`);
    return undefined;
  }
  const gaps = await privilegeGaps(session, { has: oldUser, lacks: newUser });
  if (gaps.length === 0) return undefined;
  return (
    `user "${newUser}" cannot do everything "${oldUser}" can: ${describePrivilegeGaps(gaps)}. ` +
    `Grant what is missing to "${newUser}" (objects "${oldUser}" owns: REASSIGN OWNED or ALTER ... OWNER TO the original user), then rotate again`
  );
}

/** testSecret for every PostgreSQL strategy: the pending credential works and can do what the current one can. */
export async function testPendingCredential(
  login: PostgresLogin,
  versions: RotationVersions,
  ctx: StrategyContext,
): Promise<void> {
  requirePendingVerified(
    await verifyPostgresCredential(login, versions.pending, 'pending', {
      ctx,
      options: { replaces: versions.current, probe: true },
    }),
  );
}

/**
 * Runs `work` in one transaction that holds keyturn's advisory lock for the user pair: two
 * invocations of the same step (overlapping Lambda retries) take turns instead of clashing.
 */
export async function inRotationTransaction<T>(
  session: PostgresSession,
  lockName: string,
  work: () => Promise<T>,
): Promise<T> {
  await session.query('BEGIN');
  try {
    await session.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`keyturn-rotation:${lockName}`]);
    const result = await work();
    await session.query('COMMIT');
    return result;
  } catch (error) {
    await session.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * A session as `username`, opened with the first held credential the server accepts.
 * Only versions that point at the same server and user are tried.
 */
export async function loginWithHeldCredential(
  login: PostgresLogin,
  versions: RotationVersions,
  target: PostgresSecret,
): Promise<PostgresSession> {
  const held = await loginWithHeldDatabaseCredential(versions, target, {
    login,
    parse: parsePostgresSecret,
    sameAccount: (candidate, t) => candidate.username === t.username && sameServer(candidate, t),
    describeUser: (t) => `user "${t.username}"`,
    describeTarget,
  });
  return held.session;
}

/** Sessions of a user opened before `since`: they authenticated with an earlier password. */
export async function countSessionsOpenedBefore(
  session: PostgresSession,
  username: string,
  since: Date,
  applicationToIgnore: string,
): Promise<number> {
  const [row] = await session.query<{ count: string }>(
    `SELECT count(*) AS count FROM pg_stat_activity
      WHERE usename = $1 AND backend_start < $2 AND pid <> pg_backend_pid() AND application_name <> $3`,
    [username, since, applicationToIgnore],
  );
  return Number(row?.count ?? 0);
}

export async function terminateSessionsOpenedBefore(
  session: PostgresSession,
  username: string,
  since: Date,
  applicationToIgnore: string,
): Promise<number> {
  const rows = await session.query<{ terminated: boolean }>(
    `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
      WHERE usename = $1 AND backend_start < $2 AND pid <> pg_backend_pid() AND application_name <> $3`,
    [username, since, applicationToIgnore],
  );
  return rows.filter((r) => r.terminated).length;
}
