import type { SecretVersion } from '../../shared/secret-store';
import { loginWithHeldCredential as loginWithHeldDatabaseCredential } from '../database/login';
import { PendingCredentialRejectedError } from '../errors';
import type { RotationVersions, VerifyResult } from '../strategy';
import { withSession, type PostgresLogin, type PostgresSession } from './connection';
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

export async function verifyPostgresLogin(
  login: PostgresLogin,
  credential: SecretVersion,
  label: string,
): Promise<VerifyResult> {
  const secret = parsePostgresSecret(credential.value, label);
  const result = await login(secret);
  if (!result.accepted)
    return {
      ok: false,
      failure: 'rejected',
      reason: `user "${secret.username}" was rejected by ${describeTarget(secret)}`,
    };
  return withSession(result.session, async (session) => {
    const [row] = await session.query<{ user: string }>('SELECT current_user AS "user"');
    return row?.user === secret.username
      ? { ok: true as const }
      : {
          ok: false as const,
          failure: 'rejected' as const,
          reason: `logged in as "${row?.user ?? '?'}", expected "${secret.username}"`,
        };
  });
}

/** testSecret for every PostgreSQL strategy: the pending credential logs in as its user. */
export async function testPendingLogin(login: PostgresLogin, pending: SecretVersion): Promise<void> {
  const result = await verifyPostgresLogin(login, pending, 'pending');
  if (!result.ok) throw new PendingCredentialRejectedError(`pending credential does not work: ${result.reason}`);
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
