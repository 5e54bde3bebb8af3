import type { SecretVersion } from '../../shared/secret-store';
import type { RotationVersions } from '../strategy';

/**
 * The order in which the MySQL strategies try stored credentials when they must log in as the
 * user. A failed login counts towards locking the account (MySQL's FAILED_LOGIN_ATTEMPTS,
 * MariaDB's max_password_errors), so the credential most likely to work comes first and a
 * success (which resets the count) comes as early as possible:
 * 1. AWSCURRENT: keyturn keeps it working at every moment;
 * 2. unlabelled versions created after AWSCURRENT, newest first: a rotation that set its password
 *    and whose AWSPENDING was then cleared by hand (on a server without dual passwords, that
 *    password replaced AWSCURRENT's);
 * 3. AWSPENDING, when asked for: on a server without dual passwords, the password an earlier
 *    attempt of this step set;
 * 4. AWSPREVIOUS, then the older unlabelled versions, newest first.
 * The unlabelled versions are read lazily: most searches end at the first.
 */
export async function* mysqlLoginCandidates(
  versions: RotationVersions,
  options: { readonly includePending: boolean },
): AsyncGenerator<SecretVersion> {
  yield versions.current;
  const since = versions.current.createdAt?.getTime();
  const older = versions.older()[Symbol.asyncIterator]();
  let stashed: SecretVersion | undefined;
  for (;;) {
    const next = await older.next();
    if (next.done) break;
    const created = next.value.createdAt?.getTime();
    if (since !== undefined && created !== undefined && created > since) {
      yield next.value;
      continue;
    }
    stashed = next.value;
    break;
  }
  if (options.includePending) yield versions.pending;
  if (versions.previous) yield versions.previous;
  if (stashed) yield stashed;
  for (;;) {
    const next = await older.next();
    if (next.done) return;
    yield next.value;
  }
}
