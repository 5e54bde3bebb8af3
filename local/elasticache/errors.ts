import { AwsQueryError, COMMON_QUERY_ERROR_STATUS } from '../http/aws-query-server';

/**
 * ElastiCache errors as awsQuery carries them (`<Error><Type>Sender</Type><Code>UserNotFound</Code>`)
 * with the HTTP status of the service model's awsQueryError traits. The SDK maps each code to
 * its exception (UserNotFound → UserNotFoundFault, InvalidUserState → InvalidUserStateFault,
 * InvalidParameterValue → InvalidParameterValueException); unknown codes (AccessDenied,
 * Throttling) come back as ElastiCacheServiceException named after the code.
 */
const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ...COMMON_QUERY_ERROR_STATUS,
  UserNotFound: 404,
  InvalidUserState: 400,
};

export class ElastiCacheError extends AwsQueryError {
  constructor(code: string, message: string) {
    super(code, message, HTTP_STATUS_BY_CODE[code] ?? 400);
  }
}

export const invalidParameterValue = (message: string) => new ElastiCacheError('InvalidParameterValue', message);
export const invalidParameterCombination = (message: string) =>
  new ElastiCacheError('InvalidParameterCombination', message);
export const userNotFound = (userId: string) => new ElastiCacheError('UserNotFound', `User ${userId} not found.`);
export const invalidUserState = (userId: string, status: string) =>
  new ElastiCacheError('InvalidUserState', `User ${userId} is not in active state (it is ${status}).`);
export const internalFailure = () =>
  new ElastiCacheError('InternalFailure', 'An internal error occurred in the local ElastiCache.');
