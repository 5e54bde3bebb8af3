import { createHash, createHmac } from 'node:crypto';
import { scramSha256Verifier } from '../../../functions/strategies/postgres/scram';

// RFC 7677 section 3: user "user", password "pencil".
const RFC_SALT = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
const AUTH_MESSAGE =
  'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
  'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
  'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
const RFC_CLIENT_PROOF = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
const RFC_SERVER_SIGNATURE = '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

function parseVerifier(verifier: string) {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!match) throw new Error('not a SCRAM verifier');
  return {
    iterations: Number(match[1]),
    salt: match[2] as string,
    storedKey: Buffer.from(match[3] as string, 'base64'),
    serverKey: Buffer.from(match[4] as string, 'base64'),
  };
}

describe('scramSha256Verifier', () => {
  it('produces keys that verify the RFC 7677 exchange', () => {
    const verifier = parseVerifier(scramSha256Verifier('pencil', RFC_SALT));
    expect(verifier.iterations).toBe(4096);
    expect(verifier.salt).toBe('W22ZaJ0SNY7soEsUEjb6gQ==');
    // The server's check: StoredKey == H(ClientProof XOR HMAC(StoredKey, AuthMessage)).
    const clientSignature = createHmac('sha256', verifier.storedKey).update(AUTH_MESSAGE).digest();
    const clientKey = Buffer.from(RFC_CLIENT_PROOF.map((byte, i) => byte ^ (clientSignature[i] as number)));
    expect(createHash('sha256').update(clientKey).digest().equals(verifier.storedKey)).toBe(true);
    expect(createHmac('sha256', verifier.serverKey).update(AUTH_MESSAGE).digest('base64')).toBe(RFC_SERVER_SIGNATURE);
  });

  it('uses a fresh salt every time', () => {
    expect(parseVerifier(scramSha256Verifier('same')).salt).not.toBe(parseVerifier(scramSha256Verifier('same')).salt);
  });

  it('refuses passwords it cannot hash the way PostgreSQL would', () => {
    expect(() => scramSha256Verifier('pässword')).toThrow(/printable ASCII/);
  });
});
