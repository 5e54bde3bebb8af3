import type { SecretVersion } from '../../shared/secret-store';
import { settled } from '../../shared/settled';
import { newDatabasePassword } from '../database/password';
import { RevokeRefusedError } from '../errors';
import type { RevokeOptions, RotationStrategy, RotationVersions, StrategyContext } from '../strategy';
import { AuthenticationFailedError } from '../errors';
import {
  countSessionsOpenedBefore,
  inRotationTransaction,
  loginWithHeldCredential,
  setPasswordStatement,
  terminateSessionsOpenedBefore,
  testPendingCredential,
  verifyPostgresCredential,
} from './common';
import {
  KEYTURN_APPLICATION_NAME,
  loginToPostgres,
  quoteIdentifier,
  quoteLiteral,
  withSession,
  type PostgresLogin,
} from './connection';
import { parsePostgresSecret, sameTarget, type PostgresSecret } from './secret';
import { parsePasswordChange } from '../password-change';

/** Whether the pending credential logs in already (its session is closed at once). */
async function acceptsPending(login: PostgresLogin, pending: PostgresSecret): Promise<boolean> {
  const result = await login(pending);
  if (result.accepted) await result.session.close();
  return result.accepted;
}

const parsePendingForCurrent = (versions: RotationVersions) =>
  parsePasswordChange(versions, parsePostgresSecret, sameTarget, 'host, port, database, ssl setting');

/**
 * One PostgreSQL user whose password changes in place. Between setSecret and the moment
 * clients re-read AWSCURRENT, clients holding the old password cannot open new sessions;
 * open sessions keep working. Use alternating users where that gap matters.
 */
export function createPostgresSingleUserStrategy(login: PostgresLogin = loginToPostgres): RotationStrategy {
  return {
    name: 'postgres-single-user',

    createPendingValue: (current: SecretVersion, ctx: StrategyContext) =>
      settled(() => {
        const secret = parsePostgresSecret(current.value, 'current');
        return JSON.stringify({ ...secret.fields, password: newDatabasePassword(ctx) });
      }),

    async setSecret(versions: RotationVersions): Promise<void> {
      const { pending } = parsePendingForCurrent(versions);
      if (await acceptsPending(login, pending)) return; // applied by an earlier attempt of this step
      let session;
      try {
        session = await loginWithHeldCredential(login, versions, pending);
      } catch (error) {
        // A twin invocation may have applied it since the first check: that is success, not a lockout.
        if (error instanceof AuthenticationFailedError && (await acceptsPending(login, pending))) return;
        throw error;
      }
      await withSession(session, (s) =>
        inRotationTransaction(s, pending.username, () =>
          s.query(setPasswordStatement(quoteIdentifier(pending.username), pending.password, quoteLiteral)),
        ),
      );
    },

    async testSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      parsePendingForCurrent(versions);
      await testPendingCredential(login, versions, ctx);
    },

    verify: (credential, ctx, options) =>
      verifyPostgresCredential(login, credential, `version ${credential.versionId}`, { ctx, options }),

    async usage(_old: SecretVersion, replacement: SecretVersion) {
      const secret = parsePostgresSecret(replacement.value, 'replacement');
      if (!replacement.createdAt) {
        return {
          inUse: 'unknown' as const,
          evidence: 'the replacement version has no creation time to compare sessions with',
        };
      }
      const since = replacement.createdAt;
      const result = await login(secret);
      if (!result.accepted) {
        return {
          inUse: 'unknown' as const,
          evidence: `the replacement credential for "${secret.username}" was rejected`,
        };
      }
      const open = await withSession(result.session, (s) =>
        countSessionsOpenedBefore(s, secret.username, since, KEYTURN_APPLICATION_NAME),
      );
      return {
        inUse: open > 0,
        activeSessions: open,
        evidence: `${open} session(s) of "${secret.username}" opened before the password change at ${since.toISOString()}`,
      };
    },

    async revoke(old: SecretVersion, replacement: SecretVersion, _ctx: StrategyContext, options: RevokeOptions = {}) {
      const secret = parsePostgresSecret(replacement.value, 'replacement');
      const result = await login(secret);
      if (!result.accepted) {
        throw new RevokeRefusedError(
          `the replacement credential for "${secret.username}" is rejected: revoking now would lock the user out`,
        );
      }
      const terminated = await withSession(result.session, async (s) =>
        options.terminateSessions && replacement.createdAt
          ? terminateSessionsOpenedBefore(s, secret.username, replacement.createdAt, KEYTURN_APPLICATION_NAME)
          : 0,
      );
      const oldStillWorks = await verifyPostgresCredential(login, old, 'old');
      if (oldStillWorks.ok) {
        throw new RevokeRefusedError(
          `the old password of "${secret.username}" still authenticates: it equals the new one`,
        );
      }
      return {
        status: 'revoked' as const,
        terminatedSessions: terminated,
        detail: `the old password of "${secret.username}" was replaced at setSecret and is rejected`,
      };
    },
  };
}
