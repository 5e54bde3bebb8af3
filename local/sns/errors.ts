import { AwsQueryError, COMMON_QUERY_ERROR_STATUS } from '../http/aws-query-server';

/**
 * SNS errors as the awsQuery protocol carries them: `<Error><Type>Sender|Receiver</Type>
 * <Code>NotFound</Code><Message>...</Message></Error>` with the HTTP status of the service
 * model. The SDK maps the code to its exception class (NotFound → NotFoundException,
 * InvalidParameter → InvalidParameterException, Throttled → ThrottledException, ...).
 */

/** Codes with their HTTP status (the service model's awsQueryError traits). */
const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ...COMMON_QUERY_ERROR_STATUS,
  AuthorizationError: 403,
  InternalError: 500,
  InvalidParameter: 400,
  ParameterValueInvalid: 400,
  InvalidSecurity: 403,
  NotFound: 404,
  Throttled: 429,
  TopicLimitExceeded: 403,
  TagLimitExceeded: 400,
  ValidationException: 400,
};

export class SnsError extends AwsQueryError {
  constructor(code: string, message: string) {
    super(code, message, HTTP_STATUS_BY_CODE[code] ?? 400);
  }
}

/** `Invalid parameter: <what>`, AWS's wording for InvalidParameter. */
export const invalidParameter = (what: string) => new SnsError('InvalidParameter', `Invalid parameter: ${what}`);
export const parameterValueInvalid = (message: string) => new SnsError('ParameterValueInvalid', message);
export const topicNotFound = () => new SnsError('NotFound', 'Topic does not exist');
export const internalError = () => new SnsError('InternalError', 'An internal error occurred in the local SNS.');
