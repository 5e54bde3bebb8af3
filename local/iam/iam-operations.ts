import type { QueryParams } from '../http/query-params';
import { element } from '../http/query-xml';
import { IamError, missingParameter, validationError } from './errors';
import type { AccessKeyRecord, AccessKeyStatus, Caller, IamState, UserRecord } from './state';

/**
 * The IAM actions the local IAM serves: users (enough for fixtures and the drill) and their
 * access keys. Every action acts in the caller's own account; where UserName is optional, IAM
 * takes the user who signed the request. IAM policies are not evaluated: any authenticated
 * caller may call any action in its account.
 */

export const IAM_OPERATION_NAMES = [
  'CreateUser',
  'GetUser',
  'ListUsers',
  'DeleteUser',
  'CreateAccessKey',
  'ListAccessKeys',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'GetAccessKeyLastUsed',
] as const;
export type IamOperationName = (typeof IAM_OPERATION_NAMES)[number];

export function isIamOperationName(action: string): action is IamOperationName {
  return (IAM_OPERATION_NAMES as readonly string[]).includes(action);
}

export const IAM_XML_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

export type IamOperationHandler = (params: QueryParams, caller: Caller) => string | undefined;

const ACCESS_KEY_ID = /^\w{16,128}$/;
const STATUSES: readonly AccessKeyStatus[] = ['Active', 'Inactive'];

function required(params: QueryParams, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '') throw missingParameter(name);
  return value;
}

function accessKeyIdParam(params: QueryParams): string {
  const id = required(params, 'AccessKeyId');
  if (!ACCESS_KEY_ID.test(id)) {
    throw validationError(id, 'accessKeyId', 'Member must satisfy regular expression pattern: [\\w]+');
  }
  return id;
}

/** The user named by UserName, or, without one, the user who signed the request. */
function targetUser(state: IamState, params: QueryParams, caller: Caller): UserRecord {
  const userName = params.get('UserName');
  if (userName !== undefined && userName !== '') return state.user(caller.accountId, userName);
  if (caller.kind !== 'user') {
    throw new IamError('ValidationError', 'Must specify userName when calling with non-User credentials');
  }
  return caller.user;
}

const isoDate = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function userXml(user: UserRecord): string {
  return (
    element('Path', user.path) +
    element('UserName', user.userName) +
    element('UserId', user.userId) +
    element('Arn', user.arn) +
    element('CreateDate', isoDate(user.createdAt))
  );
}

function accessKeyMetadataXml(key: AccessKeyRecord): string {
  return (
    element('UserName', key.userName) +
    element('AccessKeyId', key.accessKeyId) +
    element('Status', key.status) +
    element('CreateDate', isoDate(key.createdAt))
  );
}

/** IAM's MaxItems: 1 to 1000, 100 when absent. */
const DEFAULT_MAX_ITEMS = 100;
const MAX_ITEMS = 1000;

/**
 * One page of a list, as IAM pages them: MaxItems items from the Marker on, and the Marker of the next page when
 * more remain. The marker is the position, opaque to callers (IAM's are opaque too).
 */
function pageOf<T>(items: readonly T[], params: QueryParams): { items: T[]; nextMarker?: string } {
  const maxItemsText = params.get('MaxItems');
  const maxItems = maxItemsText === undefined ? DEFAULT_MAX_ITEMS : Number(maxItemsText);
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > MAX_ITEMS) {
    throw validationError(maxItemsText ?? '', 'maxItems', `Member must have value between 1 and ${MAX_ITEMS}`);
  }
  const markerText = params.get('Marker');
  const start = markerText === undefined ? 0 : Number(Buffer.from(markerText, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0 || start > items.length) {
    throw new IamError('ValidationError', 'Invalid Marker');
  }
  const end = start + maxItems;
  return end < items.length
    ? { items: items.slice(start, end), nextMarker: Buffer.from(String(end), 'utf8').toString('base64url') }
    : { items: items.slice(start) };
}

export function createIamOperationHandlers(state: IamState): Record<IamOperationName, IamOperationHandler> {
  return {
    CreateUser(params, caller) {
      const user = state.createUser(caller.accountId, required(params, 'UserName'), params.get('Path') ?? '/');
      return `<User>${userXml(user)}</User>`;
    },
    GetUser(params, caller) {
      return `<User>${userXml(targetUser(state, params, caller))}</User>`;
    },
    ListUsers(params, caller) {
      const prefix = params.get('PathPrefix') ?? '/';
      const users = state.usersOf(caller.accountId).filter((user) => user.path.startsWith(prefix));
      const page = pageOf(users, params);
      const members = page.items.map((user) => `<member>${userXml(user)}</member>`).join('');
      const marker = page.nextMarker === undefined ? '' : element('Marker', page.nextMarker);
      return `<Users>${members}</Users><IsTruncated>${String(page.nextMarker !== undefined)}</IsTruncated>${marker}`;
    },
    DeleteUser(params, caller) {
      state.deleteUser(caller.accountId, required(params, 'UserName'));
      return undefined;
    },
    CreateAccessKey(params, caller) {
      const key = state.createAccessKey(targetUser(state, params, caller));
      return (
        `<AccessKey>${element('UserName', key.userName)}${element('AccessKeyId', key.accessKeyId)}` +
        `${element('Status', key.status)}${element('SecretAccessKey', key.secretAccessKey)}` +
        `${element('CreateDate', isoDate(key.createdAt))}</AccessKey>`
      );
    },
    ListAccessKeys(params, caller) {
      const user = targetUser(state, params, caller);
      const members = state
        .keysOf(user)
        .map((key) => `<member>${accessKeyMetadataXml(key)}</member>`)
        .join('');
      // Two keys at most: never more than one page.
      return `${element('UserName', user.userName)}<AccessKeyMetadata>${members}</AccessKeyMetadata><IsTruncated>false</IsTruncated>`;
    },
    UpdateAccessKey(params, caller) {
      const accessKeyId = accessKeyIdParam(params);
      const status = required(params, 'Status');
      if (!(STATUSES as readonly string[]).includes(status)) {
        throw validationError(status, 'status', 'Member must satisfy enum value set: [Active, Inactive]');
      }
      state.setStatus(state.keyOf(targetUser(state, params, caller), accessKeyId), status as AccessKeyStatus);
      return undefined;
    },
    DeleteAccessKey(params, caller) {
      const accessKeyId = accessKeyIdParam(params);
      state.deleteAccessKey(state.keyOf(targetUser(state, params, caller), accessKeyId));
      return undefined;
    },
    GetAccessKeyLastUsed(params, caller) {
      const key = state.keyInAccount(caller.accountId, accessKeyIdParam(params));
      const used = key.lastUsed;
      const lastUsed = used
        ? element('LastUsedDate', isoDate(used.date)) +
          element('ServiceName', used.serviceName) +
          element('Region', used.region)
        : // Never used: no date, and N/A for the service and the region.
          element('ServiceName', 'N/A') + element('Region', 'N/A');
      return `${element('UserName', key.userName)}<AccessKeyLastUsed>${lastUsed}</AccessKeyLastUsed>`;
    },
  };
}
