import { readFileSync } from 'node:fs';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { Client } from 'pg';
import { RDS_CA_BUNDLE_FILE } from '../../../functions/strategies/tls-trust';
import { ROTATE_SECRET_FUNCTION } from '../../../infra/constructs/bundling-options';
import type { LocalPostgres } from '../../../local/databases/postgres';
import type { LocalRds } from '../../../local/rds/local-rds';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { startBundledFunction, type BundledFunction } from '../../support/bundled-function';
import { jsonAt, rotateAndWait, valueAt, type RotationResult } from '../../support/secrets';
import { createTestCertificates, type TestCertificates } from '../../support/tls';

/**
 * "ssl": true against RDS, with the rotation function as deployed (its bundle, in a process of its own):
 * it trusts the RDS CA bundle of its asset for RDS endpoints only. Real RDS certificates cannot be had
 * here, so the asset's rds-ca-bundle.pem is replaced by a test CA that signed the local PostgreSQL's
 * certificate, and the function's process resolves the RDS-style names to 127.0.0.1 (as /etc/hosts
 * would): verification is untouched, the certificate is checked against the name the secret holds.
 * The server refuses plaintext sessions for application users: a fallback could not succeed.
 */

const RDS_HOST = 'keyturn-pg.c0ffee1234ab.us-east-1.rds.amazonaws.com';
/** An RDS-style name the server's certificate does not cover. */
const OTHER_RDS_HOST = 'other-pg.c0ffee1234ab.us-east-1.rds.amazonaws.com';
/** A name the certificate covers, outside RDS. */
const PRIVATE_HOST = 'pg.keyturn.internal';

let rdsCa: TestCertificates;
let otherCa: TestCertificates;
let stack: LocalStack;
let pg: LocalPostgres;
let rds: LocalRds;
let counter = 0;

const hostAddresses = { [RDS_HOST]: '127.0.0.1', [OTHER_RDS_HOST]: '127.0.0.1', [PRIVATE_HOST]: '127.0.0.1' };

beforeAll(async () => {
  rdsCa = createTestCertificates(`DNS:${RDS_HOST},DNS:${PRIVATE_HOST},IP:127.0.0.1`);
  otherCa = createTestCertificates();
  stack = await startLocalStack({ postgres: { tls: rdsCa }, rds: true });
  if (!stack.postgres || !stack.rds) throw new Error('the local stack did not start PostgreSQL and RDS');
  ({ postgres: pg, rds } = stack);
});
afterAll(async () => {
  await stack.stop();
  rdsCa.cleanup();
  otherCa.cleanup();
});

interface DeployedFunction {
  readonly bundled: BundledFunction;
  readonly arn: string;
}

/**
 * The rotation function as deployed, its asset's RDS CA bundle replaced by the test CA, registered with the
 * local Secrets Manager under `name`.
 */
async function startDeployedFunction(
  name: string,
  environment: Readonly<Record<string, string>> = {},
): Promise<DeployedFunction> {
  const bundled = await startBundledFunction(ROTATE_SECRET_FUNCTION, {
    hostAddresses,
    environment,
    replaceAssetFiles: { [RDS_CA_BUNDLE_FILE]: readFileSync(rdsCa.caFile, 'utf8') },
  });
  const arn = `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
  stack.secretsManager.registerRotationFunction(arn, (event) => bundled.invoke(event));
  return { bundled, arn };
}

/** A TLS-only application user and a secret for it; `location` says where the secret points. */
async function givenUser(location: Record<string, unknown>): Promise<{ name: string; password: string; arn: string }> {
  const name = `rds_tls_${++counter}`;
  const password = `rds-tls-initial-${counter}`;
  await pg.admin(`CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
  const created = await stack.client.send(
    new CreateSecretCommand({
      Name: `db/rds-tls/${counter}`,
      SecretString: JSON.stringify({
        engine: 'postgres',
        port: pg.port,
        username: name,
        password,
        dbname: 'postgres',
        ssl: true,
        ...location,
      }),
    }),
  );
  return { name, password, arn: created.ARN as string };
}

/** Whether `user` / `password` log in over TLS (verified against the test CA). */
async function tlsLoginWorks(user: string, password: string): Promise<boolean> {
  const client = new Client({
    host: '127.0.0.1',
    port: pg.port,
    user,
    password,
    database: 'postgres',
    ssl: { ca: readFileSync(rdsCa.caFile, 'utf8'), rejectUnauthorized: true },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '28P01') return false;
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function expectRefusedAndUnchanged(result: RotationResult, arn: string, before: string): Promise<void> {
  expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'TlsRequiredError' });
  expect(result.errorMessage).toMatch(/does not fall back to plaintext/);
  expect(await valueAt(stack.client, arn, 'AWSCURRENT')).toBe(before);
}

describe('the deployed rotation function trusts its RDS CA bundle for RDS endpoints', () => {
  let deployed: DeployedFunction;
  const rotate = (arn: string) => rotateAndWait(stack, arn, deployed.arn);
  beforeAll(async () => {
    deployed = await startDeployedFunction('keyturn-rotate-rds-trust');
  });
  afterAll(() => deployed.bundled.stop());

  it('rotates over verified TLS at an RDS endpoint name whose certificate chains to the bundle', async () => {
    const user = await givenUser({ host: RDS_HOST });

    const result = await rotate(user.arn);

    expect(result).toMatchObject({ succeeded: true });
    const current = await jsonAt<{ password: string }>(stack.client, user.arn, 'AWSCURRENT');
    expect(current.password).not.toBe(user.password);
    expect(await tlsLoginWorks(user.name, current.password)).toBe(true);
    expect(await tlsLoginWorks(user.name, user.password)).toBe(false);
  });

  it('trusts it for an endpoint the RDS API named, whatever the name', async () => {
    rds.addInstance({
      identifier: 'keyturn-rds-trust',
      engine: 'postgres',
      endpoint: { address: '127.0.0.1', port: pg.port },
    });
    const user = await givenUser({ dbInstanceIdentifier: 'keyturn-rds-trust' });

    expect(await rotate(user.arn)).toMatchObject({ succeeded: true });
  });

  it('does not trust it for another host, even with a certificate for that name from the same CA', async () => {
    const user = await givenUser({ host: PRIVATE_HOST });
    const before = await valueAt(stack.client, user.arn, 'AWSCURRENT');

    const result = await rotate(user.arn);

    await expectRefusedAndUnchanged(result, user.arn, before);
    expect(result.errorMessage).toMatch(/trusted: Node\.js's root certificates\)/);
    expect(result.errorMessage).toMatch(
      /unable to verify the first certificate|self[- ]signed|unable to get local issuer/,
    );
  });

  it('still checks the host name at an RDS endpoint: a certificate for another name is refused', async () => {
    const user = await givenUser({ host: OTHER_RDS_HOST });
    const before = await valueAt(stack.client, user.arn, 'AWSCURRENT');

    const result = await rotate(user.arn);

    await expectRefusedAndUnchanged(result, user.arn, before);
    expect(result.errorMessage).toMatch(/Amazon RDS CA bundle shipped with keyturn\)/);
    expect(result.errorMessage).toMatch(/does not match certificate's altnames/);
  });
});

describe('KEYTURN_DB_CA_BUNDLE overrides the RDS CA bundle', () => {
  let deployed: DeployedFunction;
  beforeAll(async () => {
    deployed = await startDeployedFunction('keyturn-rotate-rds-override', { KEYTURN_DB_CA_BUNDLE: otherCa.caFile });
  });
  afterAll(() => deployed.bundled.stop());

  it('refuses the RDS endpoint whose CA the variable does not name', async () => {
    const user = await givenUser({ host: RDS_HOST });
    const before = await valueAt(stack.client, user.arn, 'AWSCURRENT');

    const result = await rotateAndWait(stack, user.arn, deployed.arn);

    await expectRefusedAndUnchanged(result, user.arn, before);
    expect(result.errorMessage).toContain(`trusted: the CA bundle at KEYTURN_DB_CA_BUNDLE (${otherCa.caFile})`);
  });
});
