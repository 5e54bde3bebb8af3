import { Client, escapeIdentifier, escapeLiteral, type ClientConfig } from 'pg';
import { KeyturnError } from '../../shared/errors';
import { createEndpointResolver, type EndpointResolver, type ServerEndpoint } from '../database/endpoint';
import type { DatabaseLoginResult } from '../database/login';
import { lambdaRdsClient } from '../database/rds-client';
import { ConcurrentChangeError, TargetUnreachableError, TlsRequiredError } from '../errors';
import { NETWORK_ERROR_CODES } from '../target-network';
import { tlsTrustFor, type TlsTrust } from '../tls-trust';
import { DEFAULT_POSTGRES_PORT, describeTarget, type PostgresSecret } from './secret';

/** Marks keyturn's own sessions so in-use checks do not count them. */
export const KEYTURN_APPLICATION_NAME = 'keyturn-rotation';
const CONNECT_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 15_000;

/** An open session; closing it is the caller's job (use `withSession`). */
export interface PostgresSession {
  query<Row extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export type LoginResult = DatabaseLoginResult<PostgresSession>;

/** Opens a session with a credential; 'rejected' credentials are an answer, not an error. */
export type PostgresLogin = (credential: PostgresSecret) => Promise<LoginResult>;

/** The server answered but refused for a reason other than the password. */
export class PostgresTargetError extends KeyturnError {
  readonly name = 'PostgresTargetError';
}

// Only a wrong password (or unknown user: PostgreSQL does not say which) is a rejected credential;
// 28000 (pg_hba.conf refuses the session) is a server policy that another password would not change.
const AUTH_FAILURE_CODES = new Set(['28P01']);

function tlsOptions(trust: TlsTrust | undefined): ClientConfig['ssl'] {
  if (!trust) return false;
  // Verified TLS only: the chain (against what tls-trust.ts trusts for this endpoint) and the host
  // name (or IP) are checked. pg sends SNI itself for host names.
  return trust.secureContext
    ? { rejectUnauthorized: true, secureContext: trust.secureContext }
    : { rejectUnauthorized: true };
}

function classifyConnectError(error: unknown, secret: PostgresSecret, trust: TlsTrust | undefined): Error {
  const target = describeTarget(secret);
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (trust && (/ssl|tls|certificate/i.test(message) || (typeof code === 'string' && /CERT|TLS|SSL/.test(code)))) {
    return new TlsRequiredError(
      `TLS to ${target} failed and keyturn does not fall back to plaintext (trusted: ${trust.description}): ${message}`,
    );
  }
  if ((typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) || /timeout|terminated unexpectedly/i.test(message)) {
    return new TargetUnreachableError(`PostgreSQL at ${target} is unreachable: ${message}`);
  }
  return new PostgresTargetError(
    `PostgreSQL at ${target} refused the session: ${message}${typeof code === 'string' ? ` (${code})` : ''}`,
  );
}

// Another session changed the same role at the same moment: nothing is lost, the step succeeds when repeated.
const CONCURRENT_CHANGE_CODES = new Set(['40001', '40P01', '42710', '23505']);
const CONCURRENT_CHANGE_MESSAGE = /tuple concurrently (updated|deleted)/i;
// The connection went away mid-statement: the statement may or may not have been applied.
const CONNECTION_LOST_MESSAGE = /Connection terminated|not queryable|ECONNRESET|EPIPE|socket hang up/i;

/**
 * A failed statement as a named error: a lost connection is TargetUnreachableError and a clash
 * with a concurrent change ConcurrentChangeError (both retryable), anything else the server's
 * refusal. A server message that quotes a verifier is scrubbed.
 */
function statementError(error: unknown, secret: PostgresSecret): Error {
  const code = (error as { code?: unknown }).code;
  const message = (error instanceof Error ? error.message : String(error)).replace(/SCRAM-SHA-256\$\S*/g, '[verifier]');
  const target = describeTarget(secret);
  if ((typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) || CONNECTION_LOST_MESSAGE.test(message)) {
    return new TargetUnreachableError(
      `the connection to PostgreSQL at ${target} was lost during a statement (it may or may not have been applied; repeating the step is safe): ${message}`,
    );
  }
  if ((typeof code === 'string' && CONCURRENT_CHANGE_CODES.has(code)) || CONCURRENT_CHANGE_MESSAGE.test(message)) {
    return new ConcurrentChangeError(
      `PostgreSQL at ${target} reports a concurrent change to the same role (another invocation of this step?): ${message}`,
    );
  }
  return new PostgresTargetError(
    `PostgreSQL at ${target} refused a statement as "${secret.username}": ${message}${typeof code === 'string' ? ` (SQLSTATE ${code})` : ''}`,
  );
}

/**
 * Logs in over the network with the credential as given, at the endpoint its location resolves
 * to (the host, or what RDS reports for an instance or cluster identifier).
 */
export function createPostgresLogin(resolveEndpoint: EndpointResolver): PostgresLogin {
  return async (secret) => openSession(secret, await resolveEndpoint(secret.location));
}

async function openSession(secret: PostgresSecret, endpoint: ServerEndpoint): Promise<LoginResult> {
  const trust = secret.ssl ? tlsTrustFor(endpoint) : undefined;
  const client = new Client({
    host: endpoint.host,
    port: endpoint.port,
    user: secret.username,
    password: secret.password,
    database: secret.dbname,
    ssl: tlsOptions(trust),
    application_name: KEYTURN_APPLICATION_NAME,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
  });
  // A session that dies later must not crash the process through an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && AUTH_FAILURE_CODES.has(code)) return { accepted: false };
    throw classifyConnectError(error, secret, trust);
  }
  return {
    accepted: true,
    session: {
      async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
        try {
          return (await client.query<Row>(sql, [...params])).rows;
        } catch (error) {
          throw statementError(error, secret);
        }
      },
      close: () => client.end(),
    },
  };
}

/** Logs in to hosts as written, and to RDS identifiers through the function's own RDS client. */
export const loginToPostgres: PostgresLogin = createPostgresLogin(
  createEndpointResolver('postgres', DEFAULT_POSTGRES_PORT, lambdaRdsClient),
);

export { withSession } from '../database/login';

/** Role names go through the driver's identifier quoting; `a"b; DROP ROLE x` stays one harmless name. */
export const quoteIdentifier = escapeIdentifier;
/** Only ever used for SCRAM verifiers: PostgreSQL's utility statements cannot bind parameters. */
export const quoteLiteral = escapeLiteral;
