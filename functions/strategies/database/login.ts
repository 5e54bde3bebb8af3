import { credentialCandidates, describeTriedVersions } from '../credential-candidates';
import type { SecretVersion } from '../../shared/secret-store';
import { AuthenticationFailedError } from '../errors';
import type { RotationVersions } from '../strategy';

/** Anything a database session must offer to be closed by {@link withSession}. */
export interface ClosableSession {
  close(): Promise<void>;
}

/**
 * The answer to a login attempt. A rejected credential is an answer, not an error: the
 * network, TLS and server failures are thrown as named errors instead.
 */
export type DatabaseLoginResult<Session> =
  { readonly accepted: true; readonly session: Session } | { readonly accepted: false };

/** Runs `work` in a session and always closes it. */
export async function withSession<Session extends ClosableSession, T>(
  session: Session,
  work: (s: Session) => Promise<T>,
): Promise<T> {
  try {
    return await work(session);
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** What {@link loginWithHeldCredential} needs to know about one database engine. */
export interface HeldCredentialLogin<Secret extends { readonly password: string }, Session> {
  readonly login: (credential: Secret) => Promise<DatabaseLoginResult<Session>>;
  /** Parses a stored version; a version of another shape is skipped. */
  readonly parse: (value: string, label: string) => Secret;
  /** Whether a stored credential is for the same server and user as the target. */
  readonly sameAccount: (candidate: Secret, target: Secret) => boolean;
  /** `user "x"` and `host:port`, for the error when none is accepted. */
  readonly describeUser: (target: Secret) => string;
  readonly describeTarget: (target: Secret) => string;
  /**
   * The order to try stored versions in (the engine may know which is likely to work: a
   * failed login can count towards locking the account). @default credentialCandidates
   */
  readonly candidates?: (versions: RotationVersions) => AsyncIterable<SecretVersion>;
}

/** A session opened with a held credential, and the password that opened it. */
export interface HeldCredentialSession<Session> {
  readonly session: Session;
  /** Some servers want the password being replaced named in the change (MySQL's REPLACE clause). */
  readonly password: string;
  /** The stored version whose password opened the session. */
  readonly version: SecretVersion;
}

/**
 * A session opened with the first held credential the server accepts: current, previous,
 * then older versions (credential-candidates.ts). Only versions that point at the same
 * server and user are tried, and only their password is used: never another host.
 */
export async function loginWithHeldCredential<Secret extends { readonly password: string }, Session>(
  versions: RotationVersions,
  target: Secret,
  engine: HeldCredentialLogin<Secret, Session>,
): Promise<HeldCredentialSession<Session>> {
  const tried: SecretVersion[] = [];
  for await (const version of (engine.candidates ?? credentialCandidates)(versions)) {
    let candidate: Secret;
    try {
      candidate = engine.parse(version.value, `version ${version.versionId}`);
    } catch {
      continue; // an older version of another shape cannot be this user's password
    }
    if (!engine.sameAccount(candidate, target)) continue;
    tried.push(version);
    const result = await engine.login({ ...target, password: candidate.password });
    if (result.accepted) return { session: result.session, password: candidate.password, version };
  }
  throw new AuthenticationFailedError(
    `none of the stored credentials for ${engine.describeUser(target)} is accepted by ${engine.describeTarget(target)} ` +
      `(${describeTriedVersions(tried)}): its password was changed outside keyturn; put the working password in AWSCURRENT and rotate again`,
  );
}
