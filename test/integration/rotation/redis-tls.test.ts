import { connectToRedis } from '../../../functions/strategies/redis/connection';
import { createRedisUserStrategy } from '../../../functions/strategies/redis/user';
import {
  describeWithRedis,
  rotationVersions,
  secretVersion,
  startRedisTestEnv,
  type RedisTestEnv,
} from '../../support/redis';
import { createTestCertificates, type TestCertificates } from '../../support/tls';

// The server listens on TLS only (its plaintext port is closed): a client that fell back to
// plaintext could not log in at all.
let certificates: TestCertificates;
let otherCa: TestCertificates;
let env: RedisTestEnv;
let counter = 0;
const strategy = createRedisUserStrategy();

beforeAll(async () => {
  certificates = createTestCertificates();
  otherCa = createTestCertificates();
  env = await startRedisTestEnv({ tls: certificates, caFile: certificates.caFile });
});
afterAll(async () => {
  await env.stop();
  certificates.cleanup();
  otherCa.cleanup();
});
afterEach(() => {
  delete process.env.KEYTURN_DB_CA_BUNDLE;
});

async function givenTlsUser(extra: Record<string, unknown> = {}) {
  const name = `tls-app-${++counter}`;
  const password = `Tls-initial-${counter}`;
  await env.redis.admin('ACL', 'SETUSER', name, 'on', `>${password}`, '~*', '+@all');
  const current = secretVersion(env.redis.secretValue(name, password, { masterarn: env.masterArn, ...extra }), [
    'AWSCURRENT',
  ]);
  return { name, password, current };
}

describeWithRedis('Redis user over verified TLS', () => {
  it('rotates over TLS when the certificate chains to KEYTURN_DB_CA_BUNDLE: dual accept, then revoke', async () => {
    process.env.KEYTURN_DB_CA_BUNDLE = certificates.caFile;
    const user = await givenTlsUser();
    const pending = secretVersion(await strategy.createPendingValue(user.current, env.ctx()), ['AWSPENDING']);
    const versions = rotationVersions(user.current, pending);
    const newPassword = (JSON.parse(pending.value) as { password: string }).password;

    await strategy.setSecret(versions, env.ctx());
    await strategy.testSecret(versions, env.ctx());
    expect(await env.redis.canLogin(user.name, user.password)).toBe(true);
    expect(await env.redis.canLogin(user.name, newPassword)).toBe(true);

    await strategy.revoke(user.current, pending, env.ctx());
    expect(await env.redis.canLogin(user.name, user.password)).toBe(false);
    expect(await env.redis.canLogin(user.name, newPassword)).toBe(true);
  });

  it('verifies the host name too: "localhost" matches the certificate\'s DNS name', async () => {
    process.env.KEYTURN_DB_CA_BUNDLE = certificates.caFile;
    const user = await givenTlsUser();
    const result = await connectToRedis({
      host: 'localhost',
      port: env.redis.port,
      ssl: true,
      username: user.name,
      password: user.password,
    });
    expect(result.accepted).toBe(true);
    if (result.accepted) await result.session.close();
  });

  it.each([
    ['no CA configured (Node roots only)', undefined],
    ['the wrong CA', 'other'],
  ])('%s: TlsRequiredError, and the user is unchanged', async (_label, ca) => {
    if (ca === 'other') process.env.KEYTURN_DB_CA_BUNDLE = otherCa.caFile;
    const user = await givenTlsUser();
    const before = await env.redis.passwordHashes(user.name);
    const pending = secretVersion(await strategy.createPendingValue(user.current, env.ctx()), ['AWSPENDING']);

    const error = await strategy.setSecret(rotationVersions(user.current, pending), env.ctx()).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'TlsRequiredError' });
    expect((error as Error).message).toMatch(
      /does not fall back to plaintext \(trusted: .*\): .*(self[- ]signed|issuer|verify)/i,
    );
    expect(await env.redis.passwordHashes(user.name)).toEqual(before);
  });

  it('ssl false against the TLS-only server fails; the client never upgrades or downgrades on its own', async () => {
    process.env.KEYTURN_DB_CA_BUNDLE = certificates.caFile;
    const user = await givenTlsUser({ ssl: false });
    const error = await connectToRedis({
      host: '127.0.0.1',
      port: env.redis.port,
      ssl: false,
      username: user.name,
      password: user.password,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TargetUnreachableError' });
  });
});
