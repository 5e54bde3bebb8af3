import { createServer, type Server, type Socket } from 'node:net';
import { connectToRedis, createRedisConnect, type RedisSession } from '../../../functions/strategies/redis/connection';
import { openRespConnection } from '../../../functions/strategies/redis/resp-client';
import { RespError, Sensitive } from '../../../functions/strategies/redis/resp-parser';
import { startLocalRedis, type LocalRedis } from '../../../local/databases/redis';
import { freeLoopbackPort } from '../../../local/net/free-port';
import { describeWithRedis } from '../../support/redis';

let redis: LocalRedis;
const APP = 'client-app';
const APP_PASSWORD = 'Client-app-pw-1';

beforeAll(async () => {
  redis = await startLocalRedis();
  await redis.admin('ACL', 'SETUSER', APP, 'on', `>${APP_PASSWORD}`, '~*', '+@all');
});
afterAll(() => redis.stop());

async function login(username = APP, password = APP_PASSWORD): Promise<RedisSession> {
  const result = await connectToRedis({ host: redis.host, port: redis.port, ssl: false, username, password });
  if (!result.accepted) throw new Error('rejected');
  return result.session;
}

/** A loopback server that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  const port = await freeLoopbackPort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

describeWithRedis('RESP client against redis-server: logging in', () => {
  it('logs in as the named user and names the connection keyturn-rotation', async () => {
    const session = await login();
    expect(await session.call('ACL', 'WHOAMI')).toBe(APP);
    expect(await session.call('CLIENT', 'GETNAME')).toBe('keyturn-rotation');
    expect(session.clientId).toBe(await session.call('CLIENT', 'ID'));
    await session.close();
  });

  it.each([
    ['a wrong password', APP, 'not-the-password'],
    ['an unknown user', 'nobody-here', APP_PASSWORD],
  ])('%s is an answer (accepted: false), not an error', async (_label, username, password) => {
    const result = await connectToRedis({ host: redis.host, port: redis.port, ssl: false, username, password });
    expect(result).toEqual({ accepted: false });
  });

  it('a disabled user is rejected too', async () => {
    await redis.admin('ACL', 'SETUSER', 'client-off', 'off', '>Off-user-pw-1');
    expect(await redis.canLogin('client-off', 'Off-user-pw-1')).toBe(false);
  });
});

describeWithRedis('RESP client against redis-server: commands', () => {
  let session: RedisSession;
  beforeAll(async () => {
    session = await login();
  });
  afterAll(() => session.close());

  it('returns pipelined replies in the order the commands were sent', async () => {
    const commands = Array.from({ length: 200 }, (_, i) => ['ECHO', `reply-${i}`]);
    const replies = await session.pipeline(commands);
    expect(replies).toEqual(commands.map(([, text]) => text));
  });

  it('keeps spaces, quotes, CR/LF and UTF-8 inside one argument, byte for byte', async () => {
    const key = 'k "quoted" \r\nSET injected 1\r\n';
    const value = "v 'ü' €\r\n*1\r\n$4\r\nPING\r\n";
    expect(await session.call('SET', key, value)).toBe('OK');
    expect(await session.call('GET', key)).toBe(value);
    expect(await session.call('EXISTS', 'injected')).toBe(0);
  });

  it('reads a reply far larger than one TCP chunk', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    await session.call('SET', 'big', big);
    expect(await session.call('GET', 'big')).toBe(big);
  });

  it('parses integers, nulls and nested arrays from the real server', async () => {
    await session.call('DEL', 'list');
    expect(await session.call('RPUSH', 'list', 'a', 'b')).toBe(2);
    expect(await session.call('GET', 'no-such-key')).toBeNull();
    const [cursor, keys] = (await session.call('SCAN', '0', 'MATCH', 'list', 'COUNT', '1000')) as [string, string[]];
    expect(cursor).toBe('0');
    expect(keys).toEqual(['list']);
  });

  it('an error reply is a value in a pipeline and a RedisCommandError from call, scrubbed of secrets', async () => {
    const [ok, error] = await session.pipeline([['PING'], ['NOSUCHCOMMAND', 'some-secret-argument']]);
    expect(ok).toBe('PONG');
    expect(error).toBeInstanceOf(RespError);
    expect((error as RespError).message).not.toContain('some-secret-argument');

    const thrown = await session
      .call('ACL', 'SETUSER', APP, new Sensitive('<Plain-secret-pw'))
      .catch((e: unknown) => e);
    expect(thrown).toMatchObject({ name: 'RedisCommandError', code: 'ERR' });
    expect((thrown as Error).message).toMatch(/refused ACL SETUSER: .*modifier '\[redacted\]'/);
    expect((thrown as Error).message).not.toContain('Plain-secret-pw');
  });

  it('a connection killed by the server fails its next command with TargetUnreachableError', async () => {
    const victim = await login();
    await redis.admin('CLIENT', 'KILL', 'ID', String(victim.clientId));
    await expect(victim.call('PING')).rejects.toMatchObject({ name: 'TargetUnreachableError' });
    await victim.close();
  });
});

describeWithRedis('RESP client: unreachable and silent servers', () => {
  it('a closed port: TargetUnreachableError naming host:port', async () => {
    const port = await freeLoopbackPort();
    await expect(openRespConnection({ host: '127.0.0.1', port, ssl: false })).rejects.toMatchObject({
      name: 'TargetUnreachableError',
      message: expect.stringContaining(`127.0.0.1:${port}`) as string,
    });
  });

  it('a server that never answers: the command times out with TargetUnreachableError', async () => {
    const silent = await silentServer();
    const connect = createRedisConnect({ commandTimeoutMs: 300 });
    await expect(
      connect({ host: '127.0.0.1', port: silent.port, ssl: false, username: 'u', password: 'Silent-pw-1' }),
    ).rejects.toMatchObject({
      name: 'TargetUnreachableError',
      message: expect.stringMatching(/did not answer within 300 ms/) as string,
    });
    await silent.close();
  });

  it('ssl: true to a server that never completes a handshake: TlsRequiredError', async () => {
    const silent = await silentServer();
    await expect(
      openRespConnection({ host: '127.0.0.1', port: silent.port, ssl: true }, { connectTimeoutMs: 300 }),
    ).rejects.toMatchObject({
      name: 'TlsRequiredError',
      message: expect.stringMatching(/TLS handshake did not complete/) as string,
    });
    await silent.close();
  });
});
