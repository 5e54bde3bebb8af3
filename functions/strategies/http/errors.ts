import { KeyturnError } from '../../shared/errors';

/**
 * Errors of the http-api-key kind. Every message names the provider, the call and, where there is one, the
 * HTTP status; never a key, a header or a response body (a body may hold a key).
 */

/** A provider spec (built-in or the user's) is invalid, or the secret names a provider keyturn does not know. */
export class ProviderSpecError extends KeyturnError {
  readonly name = 'ProviderSpecError';
}

/** A call would go to a host the spec does not allow, over plain HTTP to a non-loopback host, or was redirected. */
export class ProviderHostNotAllowedError extends KeyturnError {
  readonly name = 'ProviderHostNotAllowedError';
}

/** The provider answered a call with a status that means failure (401/403/404/5xx, ...): nothing was stored. */
export class ProviderRequestError extends KeyturnError {
  readonly name = 'ProviderRequestError';
  constructor(
    message: string,
    readonly provider: string,
    readonly call: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The provider kept answering 429 beyond what the invocation's deadline leaves room to wait for. */
export class ProviderRateLimitedError extends KeyturnError {
  readonly name = 'ProviderRateLimitedError';
}

/** The provider could not be reached, or did not answer within the spec's timeout. */
export class ProviderUnreachableError extends KeyturnError {
  readonly name = 'ProviderUnreachableError';
}

/** A response lacks what the spec says it holds (the new key, its id, the list of keys). */
export class ProviderResponseError extends KeyturnError {
  readonly name = 'ProviderResponseError';
}

/** The account already holds the provider's maximum number of keys: keyturn creates none. */
export class ProviderKeyCapError extends KeyturnError {
  readonly name = 'ProviderKeyCapError';
}

/** A key authenticates as another identity than the secret's (another token id, another account). */
export class KeyIdentityMismatchError extends KeyturnError {
  readonly name = 'KeyIdentityMismatchError';
}

/** The admin credential's secret is missing, unreadable or lacks a field the spec uses. */
export class AdminCredentialError extends KeyturnError {
  readonly name = 'AdminCredentialError';
}

/** The provider still accepts a key keyturn revoked. */
export class RevokeNotEffectiveError extends KeyturnError {
  readonly name = 'RevokeNotEffectiveError';
}
