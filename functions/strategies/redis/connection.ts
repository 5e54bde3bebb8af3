import { RedisTargetError } from './errors';
import { openRespConnection, RedisCommandError, type RespConnectOptions, type RespEndpoint } from './resp-client';
import { RespError, Sensitive, type RespArg, type RespCommand, type RespValue } from './resp-parser';
import { describeRedisTarget } from './secret';

/** keyturn's own connections carry this client name, so usage and revoke leave them out. */
export const KEYTURN_CLIENT_NAME = 'keyturn-rotation';

/** A credential and where it is used. */
export interface RedisCredential extends RespEndpoint {
  readonly username: string;
  readonly password: string;
}

/** An authenticated connection; closing it is the caller's job (use `withRedisSession`). */
export interface RedisSession {
  /** The server's id for this connection (from HELLO), to leave it out of CLIENT LIST. */
  readonly clientId: number | undefined;
  /** One command; an error reply is thrown as RedisCommandError, scrubbed of credentials. */
  call(...command: RespArg[]): Promise<RespValue>;
  /** Pipelined commands; error replies are RespError values, in order. */
  pipeline(commands: readonly RespCommand[]): Promise<RespValue[]>;
  close(): Promise<void>;
}

export type RedisLoginResult =
  { readonly accepted: true; readonly session: RedisSession } | { readonly accepted: false };

/** Opens an authenticated connection; a rejected credential is an answer, not an error. */
export type RedisConnect = (credential: RedisCredential) => Promise<RedisLoginResult>;

/**
 * Redis answers WRONGPASS for a wrong password, an unknown user and a disabled user alike
 * (older servers: "invalid username-password pair"). All three mean: this credential does not log in.
 */
export function isRejectedCredential(reply: RespError): boolean {
  return reply.code === 'WRONGPASS' || /invalid username-password pair/i.test(reply.message);
}

/** The `id` field of a RESP2 HELLO reply (a flat list of name, value pairs). */
function helloClientId(reply: RespValue): number | undefined {
  if (!Array.isArray(reply)) return undefined;
  const items = reply as readonly RespValue[];
  for (let i = 0; i + 1 < items.length; i += 2) {
    const value = items[i + 1];
    if (items[i] === 'id' && typeof value === 'number') return value;
  }
  return undefined;
}

/**
 * Logs in with `HELLO 2 AUTH <user> <password> SETNAME keyturn-rotation`: one round trip that
 * authenticates as exactly that user (AUTH and HELLO need no ACL permission) and names the
 * connection without the user needing `client|setname`.
 */
export function createRedisConnect(options: RespConnectOptions = {}): RedisConnect {
  return async (credential) => {
    const connection = await openRespConnection(credential, options);
    let hello: RespValue | undefined;
    try {
      [hello] = await connection.pipeline([
        ['HELLO', '2', 'AUTH', credential.username, new Sensitive(credential.password), 'SETNAME', KEYTURN_CLIENT_NAME],
      ]);
    } catch (error) {
      await connection.close();
      throw error;
    }
    if (hello instanceof RespError) {
      await connection.close();
      if (isRejectedCredential(hello)) return { accepted: false };
      throw new RedisTargetError(
        `Redis at ${describeRedisTarget(credential)} refused the login of "${credential.username}": ${hello.message}`,
      );
    }
    return {
      accepted: true,
      session: {
        clientId: helloClientId(hello ?? null),
        call: (...command) => connection.call(...command),
        pipeline: (commands) => connection.pipeline(commands),
        close: () => connection.close(),
      },
    };
  };
}

/** Logs in over the network with the credential as given. */
export const connectToRedis: RedisConnect = createRedisConnect();

/** Runs `work` in a session and always closes it. */
export async function withRedisSession<T>(session: RedisSession, work: (s: RedisSession) => Promise<T>): Promise<T> {
  try {
    return await work(session);
  } finally {
    await session.close().catch(() => undefined);
  }
}

export { RedisCommandError };
