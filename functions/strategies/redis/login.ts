import type { VerifyResult } from '../strategy';
import { withRedisSession, type RedisConnect } from './connection';
import { RespError, type RespValue } from './resp-parser';
import { describeRedisTarget, type RedisSecret } from './secret';

/** Whether the credential logs in as its user; ACL WHOAMI and PING confirm it where the user may run them. */
export async function checkRedisLogin(connect: RedisConnect, secret: RedisSecret): Promise<VerifyResult> {
  const target = describeRedisTarget(secret);
  const result = await connect(secret);
  if (!result.accepted) return { ok: false, reason: `user "${secret.username}" was rejected by ${target}` };
  return withRedisSession(result.session, async (session): Promise<VerifyResult> => {
    const [whoami, pong] = await session.pipeline([['ACL', 'WHOAMI'], ['PING']]);
    // HELLO AUTH already proved the user; NOPERM only means its ACL forbids the confirmation.
    const failed = (reply: RespValue | undefined) => reply instanceof RespError && reply.code !== 'NOPERM';
    if (typeof whoami === 'string' && whoami !== secret.username) {
      return { ok: false, reason: `logged in as "${whoami}", expected "${secret.username}"` };
    }
    if (failed(whoami))
      return { ok: false, reason: `ACL WHOAMI failed on ${target}: ${(whoami as RespError).message}` };
    if (failed(pong)) return { ok: false, reason: `PING failed on ${target}: ${(pong as RespError).message}` };
    return { ok: true };
  });
}
