import type { QueryParams } from '../http/query-params';
import { element } from '../http/query-xml';
import { ElastiCacheError } from './errors';
import type { ElastiCacheState, UserRecord } from './state';

/** The ElastiCache actions the local ElastiCache serves: those keyturn's elasticache-user strategy calls. */
export const OPERATION_NAMES = ['DescribeUsers', 'ModifyUser'] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

export function isOperationName(action: string): action is OperationName {
  return (OPERATION_NAMES as readonly string[]).includes(action);
}

export const ELASTICACHE_XML_NAMESPACE = 'http://elasticache.amazonaws.com/doc/2015-02-02/';

/** One handler per action: read the parameters, ask the model, return the result's inner XML. */
export type OperationHandler = (params: QueryParams) => string;

/** `Name.member.1`, `Name.member.2`, ... in order; undefined when no member is present. */
function memberList(params: QueryParams, name: string): string[] | undefined {
  const members: string[] = [];
  for (let i = 1; ; i++) {
    const value = params.get(`${name}.member.${i}`);
    if (value === undefined) break;
    members.push(value);
  }
  return members.length > 0 ? members : undefined;
}

function required(params: QueryParams, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '') {
    throw new ElastiCacheError('MissingParameter', `The request must contain the parameter ${name}.`);
  }
  return value;
}

function booleanParam(params: QueryParams, name: string): boolean | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') {
    throw new ElastiCacheError('InvalidParameterValue', `Invalid boolean value for ${name}.`);
  }
  return value === 'true';
}

/** A `User` as ElastiCache serializes it: never a password, only their count. */
export function userXml(user: UserRecord): string {
  return (
    element('UserId', user.userId) +
    element('UserName', user.userName) +
    element('Status', user.status) +
    element('Engine', user.engine) +
    element('MinimumEngineVersion', '6.0') +
    element('AccessString', user.accessString) +
    '<UserGroupIds/>' +
    `<Authentication>${element('Type', user.authenticationType)}` +
    element('PasswordCount', String(user.authenticationType === 'password' ? user.passwordHashes.length : 0)) +
    '</Authentication>' +
    element('ARN', user.arn)
  );
}

export function createOperationHandlers(state: ElastiCacheState): Record<OperationName, OperationHandler> {
  return {
    DescribeUsers(params) {
      const userId = params.get('UserId');
      const engine = params.get('Engine');
      const users = state.describe(userId).filter((u) => engine === undefined || u.engine === engine);
      return `<Users>${users.map((u) => `<member>${userXml(u)}</member>`).join('')}</Users>`;
    },
    ModifyUser(params) {
      const userId = required(params, 'UserId');
      const legacy = memberList(params, 'Passwords');
      const modePasswords = memberList(params, 'AuthenticationMode.Passwords');
      const modeType = params.get('AuthenticationMode.Type');
      if (legacy && (modePasswords || modeType)) {
        throw new ElastiCacheError(
          'InvalidParameterCombination',
          'Passwords and AuthenticationMode cannot be given together.',
        );
      }
      const user = state.modify(userId, {
        passwords: modePasswords ?? legacy,
        authenticationType: modeType,
        noPasswordRequired: booleanParam(params, 'NoPasswordRequired'),
        accessStringGiven: params.get('AccessString') !== undefined || params.get('AppendAccessString') !== undefined,
      });
      return userXml(user);
    },
  };
}
