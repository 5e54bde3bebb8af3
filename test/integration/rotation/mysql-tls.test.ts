import { createMysqlSingleUserStrategy } from '../../../functions/strategies/mysql/single-user';
import { startLocalMariadb, type LocalMariadb } from '../../../local/databases/mariadb';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import {
  describeIfMariadb,
  registerStrategyRotationFunction,
  type StrategyRotationFunction,
} from '../../support/mariadb';
import { createSecret, jsonAt, rotateAndWait, valueAt } from '../../support/secrets';
import { createTestCertificates, type TestCertificates } from '../../support/tls';

// Application users are created REQUIRE SSL: a rotation that fell back to plaintext could not log in.
let certificates: TestCertificates;
let stack: LocalStack;
let db: LocalMariadb;
let rotationFunction: StrategyRotationFunction;
let counter = 0;

beforeAll(async () => {
  certificates = createTestCertificates();
  stack = await startLocalStack({ mariadb: { tls: certificates } });
  db = stack.mariadb as LocalMariadb;
  rotationFunction = registerStrategyRotationFunction(stack, 'mysql-tls', createMysqlSingleUserStrategy());
});
afterAll(async () => {
  await stack.stop();
  certificates.cleanup();
});
afterEach(() => {
  delete process.env.KEYTURN_DB_CA_BUNDLE;
});

async function givenTlsUser(
  ssl: boolean | string,
  extra: Record<string, unknown> = {},
): Promise<{ name: string; password: string; arn: string }> {
  const name = `tls_app_${++counter}`;
  const password = `tls-initial-${counter}`;
  await db.admin('CREATE USER ?@? IDENTIFIED BY ? REQUIRE SSL', [name, '%', password]);
  const secret = await createSecret(
    stack.client,
    `db/mysql-tls/${counter}`,
    db.secretValue(name, password, { ssl, ...extra }),
    rotationFunction.tags,
  );
  return { name, password, arn: secret.arn };
}

const rotate = (arn: string) => rotateAndWait(stack, arn, rotationFunction.arn);

async function tlsLoginWorks(name: string, password: string): Promise<boolean> {
  try {
    const session = await db.openSession(name, password, { ssl: true });
    await session.end();
    return true;
  } catch {
    return false;
  }
}

describeIfMariadb('MySQL over verified TLS (MariaDB with a test CA)', () => {
  it('rotates over TLS when the server certificate chains to the configured CA', async () => {
    process.env.KEYTURN_DB_CA_BUNDLE = certificates.caFile;
    const user = await givenTlsUser(true);

    expect(await rotate(user.arn)).toMatchObject({ succeeded: true });

    const current = await jsonAt<{ password: string }>(stack.client, user.arn, 'AWSCURRENT');
    expect(current.password).not.toBe(user.password);
    expect(await tlsLoginWorks(user.name, current.password)).toBe(true);
    expect(await tlsLoginWorks(user.name, user.password)).toBe(false);
  });

  it('accepts AWS\'s string form "ssl": "true" and a host name the certificate names', async () => {
    process.env.KEYTURN_DB_CA_BUNDLE = certificates.caFile;
    const user = await givenTlsUser('true', { host: 'localhost' });
    expect(await rotate(user.arn)).toMatchObject({ succeeded: true });
  });

  it('refuses a certificate it cannot verify, names TLS, and changes nothing', async () => {
    const user = await givenTlsUser(true); // no KEYTURN_DB_CA_BUNDLE: the test CA is unknown
    const before = await valueAt(stack.client, user.arn, 'AWSCURRENT');

    const result = await rotate(user.arn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'TlsRequiredError' });
    expect(result.errorMessage).toMatch(/does not fall back to plaintext/);
    expect(await valueAt(stack.client, user.arn, 'AWSCURRENT')).toBe(before);
    expect(await tlsLoginWorks(user.name, user.password)).toBe(true);
  });

  it('without ssl the client does not upgrade on its own, and the REQUIRE SSL account refuses it', async () => {
    const user = await givenTlsUser(false);
    const result = await rotate(user.arn);
    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'AuthenticationFailedError' });
    expect(await tlsLoginWorks(user.name, user.password)).toBe(true);
  });
});

describeIfMariadb('MySQL over TLS: the host name is checked, not only the chain', () => {
  let other: LocalMariadb | undefined;
  let mismatch: TestCertificates | undefined;
  afterAll(async () => {
    await other?.stop();
    mismatch?.cleanup();
  });

  it('refuses a certificate from the trusted CA that names another host', async () => {
    // A CA of its own, and a certificate for db.invalid only, served on 127.0.0.1.
    mismatch = createTestCertificates('DNS:db.invalid');
    other = await startLocalMariadb({
      tls: { certificatePem: mismatch.certificatePem, privateKeyPem: mismatch.privateKeyPem },
    });
    await other.admin("CREATE USER 'mismatch'@'%' IDENTIFIED BY 'mismatch-pw' REQUIRE SSL");
    const secret = await createSecret(
      stack.client,
      `db/mysql-tls-mismatch/${++counter}`,
      other.secretValue('mismatch', 'mismatch-pw', { ssl: true }),
      rotationFunction.tags,
    );
    process.env.KEYTURN_DB_CA_BUNDLE = mismatch.caFile;

    const result = await rotate(secret.arn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'TlsRequiredError' });
    expect(result.errorMessage).toMatch(/does not match certificate's altnames/);
    expect(await other.canLogin('mismatch', 'mismatch-pw')).toBe(false); // REQUIRE SSL: plaintext refused
  });
});
