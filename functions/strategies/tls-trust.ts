import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { TlsRequiredError } from './errors';

/**
 * Which certificate authorities keyturn's TLS connections to targets (PostgreSQL, MySQL, Redis) trust:
 *
 * - KEYTURN_DB_CA_BUNDLE set: the PEM bundle at that path, alone, for every host (a private CA).
 * - an RDS endpoint (a host under RDS's DNS suffixes, or an endpoint the RDS API returned): Node.js's own
 *   roots plus Amazon RDS's CA bundle, which the rotation function's asset ships beside `index.js`
 *   (infra/constructs/rds-ca-bundle.ts) and which is read on the first such connection. Node's roots stay:
 *   RDS Proxy endpoints, under the same suffixes, present public (ACM) certificates.
 * - any other host: Node.js's own roots.
 *
 * The caller's driver always checks the host name too; there is no plaintext fallback.
 */

/** The Amazon RDS CA bundle's file name in the rotation function's asset (beside `index.js`). */
export const RDS_CA_BUNDLE_FILE = 'rds-ca-bundle.pem';

/** DNS suffixes of RDS endpoints: instances, clusters and proxies (`.cn`: the China regions). */
export const RDS_HOST_SUFFIXES: readonly string[] = ['.rds.amazonaws.com', '.rds.amazonaws.com.cn'];

/** Where a TLS connection goes, as far as trust is concerned. */
export interface TlsTarget {
  readonly host: string;
  /** The RDS API (DescribeDBInstances / DescribeDBClusters) named this endpoint. */
  readonly viaRdsApi?: boolean;
}

/** The certificate authorities one connection trusts. One object per source, reused. */
export interface TlsTrust {
  /** For messages: what is trusted. */
  readonly description: string;
  /** The CA certificates (PEM) that replace Node's defaults; undefined: Node's defaults. */
  readonly ca: readonly string[] | undefined;
  /** A context built once from `ca` (parsing a few hundred certificates takes tens of ms); undefined: Node's default. */
  readonly secureContext: tls.SecureContext | undefined;
}

const NODE_DEFAULT_TRUST: TlsTrust = {
  description: "Node.js's root certificates",
  ca: undefined,
  secureContext: undefined,
};

const trusts = new Map<string, TlsTrust>();

/** Whether `host` is an RDS endpoint name (case and a trailing dot do not matter). */
export function isRdsHostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return RDS_HOST_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/**
 * What a TLS connection to `target` trusts. KEYTURN_DB_CA_BUNDLE is read at each call, so a changed
 * variable takes effect; each file is read once.
 */
export function tlsTrustFor(target: TlsTarget): TlsTrust {
  const override = process.env.KEYTURN_DB_CA_BUNDLE;
  if (override) {
    return cachedTrust(`KEYTURN_DB_CA_BUNDLE:${override}`, () => ({
      description: `the CA bundle at KEYTURN_DB_CA_BUNDLE (${override})`,
      ca: [readPem(override, 'the CA bundle KEYTURN_DB_CA_BUNDLE names')],
    }));
  }
  if (target.viaRdsApi === true || isRdsHostName(target.host)) {
    const file = path.join(__dirname, RDS_CA_BUNDLE_FILE);
    return cachedTrust(`rds:${file}`, () => ({
      description: "Node.js's root certificates and the Amazon RDS CA bundle shipped with keyturn",
      ca: [
        ...nodeDefaultRoots(),
        readPem(
          file,
          "Amazon RDS's CA bundle, which TLS to RDS endpoints needs and keyturn builds into the function's asset,",
          ': deploy the function as keyturn bundles it, or set KEYTURN_DB_CA_BUNDLE',
        ),
      ],
    }));
  }
  return NODE_DEFAULT_TRUST;
}

function cachedTrust(key: string, load: () => { description: string; ca: string[] }): TlsTrust {
  let trust = trusts.get(key);
  if (!trust) {
    const { description, ca } = load();
    trust = { description, ca, secureContext: tls.createSecureContext({ ca }) };
    trusts.set(key, trust);
  }
  return trust;
}

function readPem(file: string, what: string, hint = ''): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = typeof code === 'string' ? code : String(error);
    throw new TlsRequiredError(`${what} cannot be read (${reason}: ${file})${hint}`);
  }
}

/**
 * The roots Node.js trusts by default. Passing `ca` replaces them, so they are added back: Node 22.15+
 * tells which it uses (its bundled roots, plus NODE_EXTRA_CA_CERTS and system roots when enabled), older
 * versions only its bundled roots.
 */
function nodeDefaultRoots(): readonly string[] {
  const { getCACertificates } = tls as { getCACertificates?: (type: 'default') => string[] };
  return getCACertificates ? getCACertificates('default') : tls.rootCertificates;
}
