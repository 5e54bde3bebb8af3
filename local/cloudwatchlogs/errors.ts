import { AwsProtocolError } from '../http/aws-error';

/**
 * The exceptions the local CloudWatch Logs answers with, named as the CloudWatch Logs API names
 * them (the SDK turns `__type` into the error's name). ServiceUnavailableException is a server
 * fault (HTTP 500, retried by the SDK); the others are client errors (HTTP 400; ThrottlingException
 * is still retried by the SDK, by name).
 */

export const LOGS_EXCEPTION_NAMES = [
  'InvalidParameterException',
  'ResourceNotFoundException',
  'ResourceAlreadyExistsException',
  'LimitExceededException',
  'OperationAbortedException',
  'ServiceUnavailableException',
  'ThrottlingException',
  'UnrecognizedClientException',
] as const;

export type LogsExceptionName = (typeof LOGS_EXCEPTION_NAMES)[number];

export class LogsError extends AwsProtocolError {
  constructor(exceptionName: LogsExceptionName | (string & {}), message: string) {
    super(exceptionName, message, exceptionName === 'ServiceUnavailableException' ? 500 : 400);
  }
}

export const invalidParameter = (message: string) => new LogsError('InvalidParameterException', message);
export const resourceNotFound = (message: string) => new LogsError('ResourceNotFoundException', message);
export const resourceAlreadyExists = (message: string) => new LogsError('ResourceAlreadyExistsException', message);
export const serviceUnavailable = () =>
  new LogsError('ServiceUnavailableException', 'The local CloudWatch Logs failed to answer (an internal error).');

/** AWS's wording for the missing resources. */
export const logGroupNotFound = () => resourceNotFound('The specified log group does not exist.');
export const logStreamNotFound = () => resourceNotFound('The specified log stream does not exist.');
