import type { QueryParams } from '../http/query-params';
import { element } from '../http/query-xml';
import { IamError, notAuthorizedToAssume, validationError } from './errors';
import { isTrusted, type Caller, type IamState } from './state';

/**
 * The STS actions the local STS serves: GetCallerIdentity (who signed this request) and
 * AssumeRole (temporary credentials acting in the role's account, possibly another one). A role
 * is assumable by the principals its trust list names (account ids or principal ARNs); no
 * session policies, tags, MFA or external ids.
 */

export const STS_OPERATION_NAMES = ['GetCallerIdentity', 'AssumeRole'] as const;
export type StsOperationName = (typeof STS_OPERATION_NAMES)[number];

export function isStsOperationName(action: string): action is StsOperationName {
  return (STS_OPERATION_NAMES as readonly string[]).includes(action);
}

export const STS_XML_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

export type StsOperationHandler = (params: QueryParams, caller: Caller) => string | undefined;

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const MIN_DURATION_SECONDS = 900;
/** A role assumed with another role's session ("role chaining") lasts one hour at most. */
const CHAINED_MAX_DURATION_SECONDS = 3600;
const DEFAULT_DURATION_SECONDS = 3600;

const isoDate = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function durationSeconds(params: QueryParams): number {
  const text = params.get('DurationSeconds');
  if (text === undefined) return DEFAULT_DURATION_SECONDS;
  const value = Number(text);
  if (!Number.isInteger(value) || value < MIN_DURATION_SECONDS) {
    throw validationError(text, 'durationSeconds', 'Member must have value greater than or equal to 900');
  }
  if (value > 43_200) {
    throw validationError(text, 'durationSeconds', 'Member must have value less than or equal to 43200');
  }
  return value;
}

export function createStsOperationHandlers(state: IamState): Record<StsOperationName, StsOperationHandler> {
  return {
    GetCallerIdentity(_params, caller) {
      const userId =
        caller.kind === 'user' ? caller.user.userId : `${caller.session.role.roleId}:${caller.session.sessionName}`;
      return element('Arn', caller.arn) + element('UserId', userId) + element('Account', caller.accountId);
    },
    AssumeRole(params, caller) {
      const roleArn = params.get('RoleArn');
      if (roleArn === undefined || roleArn === '') {
        throw new IamError(
          'ValidationError',
          "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
        );
      }
      const sessionName = params.get('RoleSessionName') ?? '';
      if (!SESSION_NAME.test(sessionName)) {
        throw validationError(
          sessionName,
          'roleSessionName',
          'Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64',
        );
      }
      const duration = durationSeconds(params);
      const role = state.findRole(roleArn);
      // A missing role and an untrusting one look alike to the caller, as in AWS.
      if (!role || !isTrusted(role, caller)) throw notAuthorizedToAssume(caller.arn, roleArn);
      if (caller.kind === 'assumed-role' && duration > CHAINED_MAX_DURATION_SECONDS) {
        throw new IamError(
          'ValidationError',
          'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
        );
      }
      if (duration > role.maxSessionDurationSeconds) {
        throw new IamError(
          'ValidationError',
          'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        );
      }
      const session = state.startSession(role, sessionName, duration);
      return (
        `<Credentials>${element('AccessKeyId', session.accessKeyId)}` +
        `${element('SecretAccessKey', session.secretAccessKey)}${element('SessionToken', session.sessionToken)}` +
        `${element('Expiration', isoDate(session.expiresAt))}</Credentials>` +
        `<AssumedRoleUser>${element('AssumedRoleId', `${role.roleId}:${sessionName}`)}` +
        `${element('Arn', `arn:aws:sts::${role.accountId}:assumed-role/${role.roleName}/${sessionName}`)}</AssumedRoleUser>`
      );
    },
  };
}
