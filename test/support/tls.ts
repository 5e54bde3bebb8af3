import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  /** PEM of the test CA, for KEYTURN_DB_CA_BUNDLE. */
  readonly caFile: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  cleanup(): void;
}

/**
 * A throwaway CA and a server certificate it signed, valid for 127.0.0.1 and localhost, or for
 * the names given (`DNS:db.invalid`, to test that a client checks the host and not only the chain).
 */
export function createTestCertificates(subjectAltNames = 'IP:127.0.0.1,DNS:localhost'): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'keyturn-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=keyturn test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  );
  writeFileSync(file('san.ext'), `subjectAltName=${subjectAltNames}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('san.ext'),
    '-out',
    file('server.crt'),
  );
  return {
    caFile: file('ca.crt'),
    certificatePem: readFileSync(file('server.crt'), 'utf8'),
    privateKeyPem: readFileSync(file('server.key'), 'utf8'),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
