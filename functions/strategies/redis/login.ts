import type { SecretVersion } from '../../shared/secret-store';
import { settled } from '../../shared/settled';
import { RevokeRefusedError } from '../errors';
import { describeProbe, probeFromTags } from '../probe/probe';
import type { StrategyContext, VerifyOptions, VerifyResult } from '../strategy';
import { SERVER_TARGETS } from '../targets';
import { rejected, requirePendingVerified } from '../verify-result';
import { withRedisSession, type RedisConnect } from './connection';
import { RespError, type RespValue } from './resp-parser';
import { describeRedisTarget, type RedisSecret } from './secret';

/**
 * Whether the credential logs in as its user (ACL WHOAMI and PING confirm it where the user may
 * run them) and, given a probe, may run the entry's read-only command. Redis rotates one user's
 * passwords, so the new credential is the same user with the same ACL rules: no parity to check.
 */
export async function checkRedisLogin(
  connect: RedisConnect,
  secret: RedisSecret,
  probe?: readonly string[],
): Promise<VerifyResult> {
  const target = describeRedisTarget(secret);
  const result = await connect(secret);
  if (!result.accepted) return rejected(`user "${secret.username}" was rejected by ${target}`);
  return withRedisSession(result.session, async (session): Promise<VerifyResult> => {
    const [whoami, pong] = await session.pipeline([['ACL', 'WHOAMI'], ['PING']]);
    // HELLO AUTH already proved the user; NOPERM only means its ACL forbids the confirmation.
    const failed = (reply: RespValue | undefined) => reply instanceof RespError && reply.code !== 'NOPERM';
    if (typeof whoami === 'string' && whoami !== secret.username) {
      return rejected(`logged in as "${whoami}", expected "${secret.username}"`);
    }
    if (failed(whoami)) return rejected(`ACL WHOAMI failed on ${target}: ${(whoami as RespError).message}`);
    if (failed(pong)) return rejected(`PING failed on ${target}: ${(pong as RespError).message}`);
    if (probe) {
      const [reply] = await session.pipeline([probe]);
      if (reply instanceof RespError) {
        return {
          ok: false,
          failure: 'probe',
          reason: `as "${secret.username}": ${describeProbe({ redis: probe })} failed on ${target}: ${reply.message}`,
        };
      }
    }
    return { ok: true };
  });
}

/**
 * What every Redis-family revoke checks before it removes anything: both values name the same
 * user (`sameUser`, whose fields `what` names), the passwords differ, and the replacement logs in
 * now. Any of these failing is RevokeRefusedError: removing the old password would lock clients out.
 */
export async function parseRevocation<Secret extends RedisSecret>(
  old: SecretVersion,
  replacement: SecretVersion,
  secrets: {
    readonly parse: (value: string, versionLabel: string) => Secret;
    readonly sameUser: (a: Secret, b: Secret) => boolean;
    readonly what: string;
  },
  connect: RedisConnect,
): Promise<{ readonly oldSecret: Secret; readonly newSecret: Secret }> {
  const oldSecret = secrets.parse(old.value, 'old');
  const newSecret = secrets.parse(replacement.value, 'replacement');
  if (!secrets.sameUser(oldSecret, newSecret)) {
    throw new RevokeRefusedError(`the old and the replacement value name another ${secrets.what}`);
  }
  if (oldSecret.password === newSecret.password) {
    throw new RevokeRefusedError(
      `the old and the replacement password of "${newSecret.username}" are the same: revoking would lock the user out`,
    );
  }
  const replacementWorks = await checkRedisLogin(connect, newSecret);
  if (!replacementWorks.ok) {
    throw new RevokeRefusedError(
      `the replacement does not authenticate (${replacementWorks.reason}): revoking the old password would cut every client off`,
    );
  }
  return { oldSecret, newSecret };
}

/** testSecret of every Redis-family strategy: the pending credential logs in as its user and passes the probe. */
export async function testPendingRedisCredential(
  connect: RedisConnect,
  pending: RedisSecret,
  ctx: StrategyContext,
): Promise<void> {
  requirePendingVerified(await checkRedisLogin(connect, pending, redisProbe(ctx)));
}

/** verify of every Redis-family strategy: the stored credential, parsed by the strategy's shape, logs in (and probes). */
export function verifyRedisCredential(
  connect: RedisConnect,
  credential: SecretVersion,
  parse: (value: string, versionLabel: string) => RedisSecret,
  ctx?: StrategyContext,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  return settled(() => parse(credential.value, `version ${credential.versionId}`)).then((secret) =>
    checkRedisLogin(connect, secret, options.probe && ctx ? redisProbe(ctx) : undefined),
  );
}

/** The entry's Redis probe command, checked read-only; undefined without one. */
function redisProbe(ctx: StrategyContext): readonly string[] | undefined {
  const probe = probeFromTags(ctx.tags, SERVER_TARGETS['redis-user'].probe);
  return probe && 'redis' in probe ? probe.redis : undefined;
}
