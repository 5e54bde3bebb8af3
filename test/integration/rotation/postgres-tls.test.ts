import { startLocalPostgres, type LocalPostgres } from '../../../local/databases/postgres';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { createSecret, jsonAt, rotateAndWait, valueAt } from '../../support/secrets';
import { createTestCertificates, type TestCertificates } from '../../support/tls';

// The server refuses plaintext sessions for application users (see postgres-server.ts):
// a rotation that fell back to plaintext could not succeed here.
let certificates: TestCertificates;
let stack: LocalStack;
let pg: LocalPostgres;
let counter = 0;

beforeAll(async () => {
  certificates = createTestCertificates();
  stack = await startLocalStack({ postgres: { tls: certificates } });
  pg = stack.postgres as LocalPostgres;
});
afterAll(async () => {
  await stack.stop();
  certificates.cleanup();
});
afterEach(() => {
  delete process.env.KEYTURN_DB_CA_BUNDLE;
});

async function givenTlsUser(ssl: boolean | string): Promise<{ name: string; password: string; arn: string }> {
  const name = `tls_app_${++counter}`;
  const password = `tls-initial-${counter}`;
  await pg.admin(`CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
  const secret = await createSecret(stack.client, `db/tls/${counter}`, pg.secretValue(name, password, { ssl }));
  return { name, password, arn: secret.arn };
}

describe('PostgreSQL over verified TLS', () => {
  it('rotates over TLS when the server certificate chains to the configured CA', async () => {
    process.env.KEYTURN_DB_CA_BUNDLE = certificates.caFile;
    const user = await givenTlsUser(true);

    const result = await rotateAndWait(stack, user.arn);

    expect(result).toMatchObject({ succeeded: true });
    const current = await jsonAt<{ password: string }>(stack.client, user.arn, 'AWSCURRENT');
    expect(current.password).not.toBe(user.password);
  });

  it('accepts AWS\'s string form "ssl": "true"', async () => {
    process.env.KEYTURN_DB_CA_BUNDLE = certificates.caFile;
    const user = await givenTlsUser('true');
    expect(await rotateAndWait(stack, user.arn)).toMatchObject({ succeeded: true });
  });

  it('refuses a certificate it cannot verify, names TLS, and changes nothing', async () => {
    const user = await givenTlsUser(true);
    const before = await valueAt(stack.client, user.arn, 'AWSCURRENT');

    const result = await rotateAndWait(stack, user.arn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'TlsRequiredError' });
    expect(result.errorMessage).toMatch(/does not fall back to plaintext/);
    expect(await valueAt(stack.client, user.arn, 'AWSCURRENT')).toBe(before);
  });

  it('without ssl the client does not upgrade on its own, and the TLS-only server rejects it', async () => {
    const user = await givenTlsUser(false);
    const result = await rotateAndWait(stack, user.arn);
    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'PostgresTargetError' });
    expect(result.errorMessage).toMatch(/pg_hba.conf rejects connection .* no encryption \(28000\)/);
  });
});

describe('PostgreSQL over TLS: the host name is checked, not only the chain', () => {
  let other: LocalPostgres | undefined;
  let mismatch: TestCertificates | undefined;
  afterAll(async () => {
    await other?.stop();
    mismatch?.cleanup();
  });

  it('refuses a certificate from the trusted CA that names another host, and changes nothing', async () => {
    // A CA of its own, and a certificate for db.invalid only, served on 127.0.0.1.
    mismatch = createTestCertificates('DNS:db.invalid');
    other = await startLocalPostgres({
      tls: { certificatePem: mismatch.certificatePem, privateKeyPem: mismatch.privateKeyPem },
    });
    await other.admin("CREATE ROLE mismatch LOGIN PASSWORD 'mismatch-pw'");
    const secret = await createSecret(
      stack.client,
      `db/tls-mismatch/${++counter}`,
      other.secretValue('mismatch', 'mismatch-pw', { ssl: true }),
    );
    const before = await valueAt(stack.client, secret.arn, 'AWSCURRENT');
    process.env.KEYTURN_DB_CA_BUNDLE = mismatch.caFile;

    const result = await rotateAndWait(stack, secret.arn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'TlsRequiredError' });
    expect(result.errorMessage).toMatch(/does not fall back to plaintext/);
    expect(result.errorMessage).toMatch(
      /does not match certificate's altnames: IP: 127\.0\.0\.1 is not in the cert's list/,
    );
    expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).toBe(before);
    // The server refuses plaintext for application users: the client did not fall back to it.
    await expect(other.canLogin('mismatch', 'mismatch-pw')).rejects.toMatchObject({ code: '28000' });
  });
});
