import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TlsRequiredError } from '../../../functions/strategies/errors';
import { isRdsHostName, RDS_CA_BUNDLE_FILE, tlsTrustFor } from '../../../functions/strategies/tls-trust';
import { createTestCertificates } from '../../support/tls';

function createPemOnce(): string {
  const certificates = createTestCertificates();
  try {
    return readFileSync(certificates.caFile, 'utf8');
  } finally {
    certificates.cleanup();
  }
}

/**
 * What TLS trusts per target. Here the sources run from functions/strategies/, where no RDS CA bundle
 * lies (only the built asset carries it): RDS endpoints then fail with a named error, never a weaker
 * trust. The trust of the built asset: test/integration/rotation/rds-tls.test.ts.
 */
describe('TLS trust', () => {
  afterEach(() => {
    delete process.env.KEYTURN_DB_CA_BUNDLE;
  });

  test.each([
    ['mydb.c9akciq32.us-east-1.rds.amazonaws.com', true],
    ['mycluster.cluster-ro-c9akciq32.eu-west-1.rds.amazonaws.com', true],
    ['myproxy.proxy-c9akciq32.us-west-2.rds.amazonaws.com', true],
    ['mydb.c9akciq32.cn-north-1.rds.amazonaws.com.cn', true],
    ['MyDB.C9AKCIQ32.US-EAST-1.RDS.AMAZONAWS.COM.', true],
    ['db.example.com', false],
    ['rds.amazonaws.com.attacker.example', false],
    ['myrds.amazonaws.com', false],
    ['notrds.amazonaws.com', false],
    ['127.0.0.1', false],
  ])('%s is an RDS endpoint name: %s', (host, expected) => {
    expect(isRdsHostName(host)).toBe(expected);
  });

  test("another host trusts Node.js's own roots (no explicit CA list)", () => {
    const trust = tlsTrustFor({ host: 'db.example.com' });
    expect(trust).toMatchObject({ ca: undefined, secureContext: undefined });
    expect(trust.description).toBe("Node.js's root certificates");
  });

  test.each([{ host: 'mydb.c9akciq32.us-east-1.rds.amazonaws.com' }, { host: '10.0.0.12', viaRdsApi: true }])(
    'an RDS endpoint ($host) needs the RDS CA bundle beside the code, and says so when it is missing',
    (target) => {
      expect(() => tlsTrustFor(target)).toThrow(TlsRequiredError);
      expect(() => tlsTrustFor(target)).toThrow(
        new RegExp(
          `Amazon RDS's CA bundle.*cannot be read \\(ENOENT: .*${RDS_CA_BUNDLE_FILE}\\).*KEYTURN_DB_CA_BUNDLE`,
        ),
      );
    },
  );

  test('KEYTURN_DB_CA_BUNDLE replaces every other trust, for RDS endpoints too, and is read once', () => {
    // GIVEN a private CA named by the variable
    const certificates = createTestCertificates();
    try {
      process.env.KEYTURN_DB_CA_BUNDLE = certificates.caFile;

      // WHEN an RDS endpoint and another host are trusted
      const rds = tlsTrustFor({ host: 'mydb.c9akciq32.us-east-1.rds.amazonaws.com' });
      const other = tlsTrustFor({ host: 'db.example.com' });

      // THEN both trust that CA alone, through one context built once
      expect(rds).toBe(other);
      expect(rds.ca).toHaveLength(1);
      expect(rds.ca?.[0]).toContain('BEGIN CERTIFICATE');
      expect(rds.secureContext).toBeDefined();
      expect(rds.description).toBe(`the CA bundle at KEYTURN_DB_CA_BUNDLE (${certificates.caFile})`);
    } finally {
      certificates.cleanup();
    }
  });

  test('KEYTURN_DB_CA_BUNDLE naming a file that cannot be read fails with TlsRequiredError; a new value takes effect', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyturn-ca-'));
    try {
      process.env.KEYTURN_DB_CA_BUNDLE = join(dir, 'missing.pem');
      expect(() => tlsTrustFor({ host: 'db.example.com' })).toThrow(TlsRequiredError);
      expect(() => tlsTrustFor({ host: 'db.example.com' })).toThrow(
        /the CA bundle KEYTURN_DB_CA_BUNDLE names cannot be read \(ENOENT: .*missing\.pem\)/,
      );

      writeFileSync(join(dir, 'present.pem'), createPemOnce());
      process.env.KEYTURN_DB_CA_BUNDLE = join(dir, 'present.pem');
      expect(tlsTrustFor({ host: 'db.example.com' }).description).toContain('present.pem');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
