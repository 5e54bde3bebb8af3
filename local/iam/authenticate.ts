import { timingSafeEqual } from 'node:crypto';
import type { AwsQueryError, ReceivedRequest } from '../http/aws-query-server';
import { acceptedCall, type AcceptedCall } from './accepted-calls';
import {
  expiredToken,
  incompleteSignature,
  invalidClientTokenId,
  missingAuthenticationToken,
  signatureDoesNotMatch,
} from './errors';
import { formatAmzDate, MalformedAuthorization, parseAmzDate, parseAuthorization, signatureMatches } from './sigv4';
import type { AccessKeyRecord, Caller, IamState } from './state';

/**
 * Who signed a request to the local IAM or STS, checked as AWS checks it: an Authorization
 * header in SigV4 form; a known access key (a long-term key that is Active and past its
 * activation delay, or temporary credentials with their session token); a credential scope for
 * this service and the request's date; a date within 15 minutes of the server's clock; the
 * signature the key's secret gives the request as received; unexpired temporary credentials.
 * A long-term key that passes is marked as used (date, service, region).
 */

/** AWS refuses requests whose X-Amz-Date is more than 15 minutes from its clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** One authentication attempt, for tests and drills to inspect (never a secret or a signature). */
export interface AuthenticationRecord {
  readonly time: Date;
  readonly service: 'iam' | 'sts';
  readonly action: string | undefined;
  /** The access key id the request claimed, if it could be read. */
  readonly accessKeyId: string | undefined;
  /** `accepted`, or the error code the request was refused with. */
  readonly outcome: string;
}

export interface AuthenticationContext {
  readonly state: IamState;
  readonly now: () => Date;
  /** LastUsedDate is truncated to this many milliseconds (one minute, as IAM's samples show). */
  readonly lastUsedResolutionMs: () => number;
  readonly record: (entry: AuthenticationRecord) => void;
  /** Told of each accepted request that names an action (never of a refused one). */
  readonly accepted?: (call: AcceptedCall) => void;
}

export function authenticate(context: AuthenticationContext, service: 'iam' | 'sts', request: ReceivedRequest): Caller {
  const action = new URLSearchParams(request.body).get('Action') ?? undefined;
  let accessKeyId: string | undefined;
  try {
    const header = request.headers.get('authorization')?.[0];
    if (header === undefined) throw missingAuthenticationToken();
    const auth = parseAuthorization(header);
    accessKeyId = auth.accessKeyId;
    const amzDate = request.headers.get('x-amz-date')?.[0];
    if (amzDate === undefined) {
      throw incompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    }
    if (!auth.signedHeaders.includes('host')) {
      throw incompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }
    const signedAt = parseAmzDate(amzDate);
    if (!signedAt) throw incompleteSignature(`X-Amz-Date must be in ISO 8601 basic format, got ${amzDate}.`);

    const now = context.now();
    const sessionToken = request.headers.get('x-amz-security-token')?.[0];
    const credentials = resolveCredentials(context.state, auth.accessKeyId, sessionToken, now);

    if (auth.service !== service) {
      throw signatureDoesNotMatch(`Credential should be scoped to correct service: '${service}'. `);
    }
    if (auth.scopeDate !== amzDate.slice(0, 8)) {
      throw signatureDoesNotMatch(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
      );
    }
    checkClockSkew(signedAt, now);
    if (!signatureMatches(request, auth, amzDate, credentials.secretAccessKey)) throw signatureDoesNotMatch();
    if (credentials.caller.kind === 'assumed-role' && credentials.caller.session.expiresAt <= now) {
      throw expiredToken();
    }
    if (credentials.key) {
      const resolution = Math.max(1, context.lastUsedResolutionMs());
      credentials.key.lastUsed = {
        date: new Date(Math.floor(now.getTime() / resolution) * resolution),
        serviceName: service,
        region: auth.region,
      };
    }
    context.record({ time: now, service, action, accessKeyId, outcome: 'accepted' });
    if (action !== undefined && context.accepted) {
      context.accepted(
        acceptedCall(credentials.caller, { time: now, service, action, signingRegion: auth.region, request }),
      );
    }
    return credentials.caller;
  } catch (error) {
    const code = error instanceof MalformedAuthorization ? 'IncompleteSignature' : (error as AwsQueryError).name;
    context.record({ time: context.now(), service, action, accessKeyId, outcome: code });
    if (error instanceof MalformedAuthorization) throw incompleteSignature(error.message);
    throw error;
  }
}

function checkClockSkew(signedAt: Date, now: Date): void {
  const earliest = new Date(now.getTime() - MAX_CLOCK_SKEW_MS);
  const latest = new Date(now.getTime() + MAX_CLOCK_SKEW_MS);
  if (signedAt < earliest) {
    throw signatureDoesNotMatch(
      `Signature expired: ${formatAmzDate(signedAt)} is now earlier than ${formatAmzDate(earliest)} (${formatAmzDate(now)} - 15 min.)`,
    );
  }
  if (signedAt > latest) {
    throw signatureDoesNotMatch(
      `Signature not yet current: ${formatAmzDate(signedAt)} is still later than ${formatAmzDate(latest)} (${formatAmzDate(now)} + 15 min.)`,
    );
  }
}

/**
 * The secret to verify with and the caller it stands for (and the long-term key, to mark as
 * used). Unknown, deleted, inactive and not-yet-propagated keys, and temporary credentials
 * without their exact session token, are all InvalidClientTokenId, as AWS answers them.
 */
function resolveCredentials(
  state: IamState,
  accessKeyId: string,
  sessionToken: string | undefined,
  now: Date,
): { readonly secretAccessKey: string; readonly caller: Caller; readonly key?: AccessKeyRecord } {
  const session = state.findSession(accessKeyId);
  if (session) {
    if (sessionToken === undefined || !sameText(sessionToken, session.sessionToken)) throw invalidClientTokenId();
    const role = session.role;
    return {
      secretAccessKey: session.secretAccessKey,
      caller: {
        kind: 'assumed-role',
        accountId: role.accountId,
        arn: `arn:aws:sts::${role.accountId}:assumed-role/${role.roleName}/${session.sessionName}`,
        accessKeyId,
        session,
      },
    };
  }
  const key = state.signingKey(accessKeyId, now);
  const user = key && state.findUser(key.accountId, key.userName);
  // A long-term key never comes with a session token.
  if (!key || !user || sessionToken !== undefined) throw invalidClientTokenId();
  return {
    secretAccessKey: key.secretAccessKey,
    caller: { kind: 'user', accountId: user.accountId, arn: user.arn, accessKeyId, user },
    key,
  };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
