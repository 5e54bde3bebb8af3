import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { ed25519PublicKey, ed25519Signature } from '../../../functions/strategies/mysql/ed25519';

describe("MariaDB's ed25519 authentication", () => {
  it('derives the public key MariaDB stores for a password (values read from MariaDB 10.11)', () => {
    expect(ed25519PublicKey('pw2b')).toBe('GfU3dYKAX4NwSem1xjcPZKdRzDQNtuUszanA8vGTmIM');
    expect(ed25519PublicKey('pw2')).toBe('iGRouygp5VwPhO1Nw3XHv2nRNSJmY6g6Clsn5zqjRqU');
  });

  it('signs a challenge with a standard Ed25519 signature under that key (checked by Node)', () => {
    const challenge = randomBytes(32);
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(ed25519PublicKey('pw2b'), 'base64').toString('base64url') },
      format: 'jwk',
    });
    const signature = ed25519Signature('pw2b', challenge);
    expect(signature).toHaveLength(64);
    expect(verify(null, challenge, key, signature)).toBe(true);
    expect(verify(null, challenge, key, ed25519Signature('another password', challenge))).toBe(false);
  });
});
