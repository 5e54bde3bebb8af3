import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** PostgreSQL's own default; RDS uses the same. */
const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

/**
 * A SCRAM-SHA-256 verifier for `password`, in the form PostgreSQL stores in pg_authid
 * (RFC 5802/7677). Sending the verifier instead of the password in ALTER ROLE means the
 * plaintext never reaches the server's statement log, pg_stat_statements or an audit
 * extension — what psql's \password does too.
 *
 * PostgreSQL applies SASLprep to the password; for ASCII (every password keyturn
 * generates) that is the identity, so other input is refused rather than guessed at.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  if (!/^[\x20-\x7e]*$/.test(password)) {
    throw new RangeError('only printable ASCII passwords can be pre-hashed for PostgreSQL');
  }
  const saltedPassword = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
