import { AwsProtocolError } from '../http/aws-error';

/**
 * The exceptions the local CloudWatch answers with, named as the SDK's service model names them,
 * each with the awsQuery code CloudWatch still reports (`x-amzn-query-error`): the SDK sets the
 * error's `name` to the exception (InvalidParameterValueException) and `Error.Code` to the code
 * (InvalidParameterValue), as it does against AWS. InternalServiceFault is a server fault (HTTP
 * 500, retried by the SDK); the others are client errors (HTTP 400).
 */

const QUERY_CODES: Readonly<Record<string, string>> = {
  InvalidParameterValueException: 'InvalidParameterValue',
  InvalidParameterCombinationException: 'InvalidParameterCombination',
  MissingRequiredParameterException: 'MissingParameter',
  ValidationException: 'ValidationError',
  InvalidNextToken: 'InvalidNextToken',
  LimitExceededException: 'LimitExceededException',
  InternalServiceFault: 'InternalServiceError',
};

export type CloudWatchExceptionName = keyof typeof QUERY_CODES;

export class CloudWatchError extends AwsProtocolError {
  constructor(exceptionName: CloudWatchExceptionName | (string & {}), message: string) {
    super(
      exceptionName,
      message,
      exceptionName === 'InternalServiceFault' ? 500 : 400,
      QUERY_CODES[exceptionName] ?? exceptionName,
    );
  }
}

export const invalidParameterValue = (message: string) =>
  new CloudWatchError('InvalidParameterValueException', message);
export const invalidParameterCombination = (message: string) =>
  new CloudWatchError('InvalidParameterCombinationException', message);
export const missingParameter = (message: string) => new CloudWatchError('MissingRequiredParameterException', message);
export const validationError = (message: string) => new CloudWatchError('ValidationException', message);
export const invalidNextToken = () => new CloudWatchError('InvalidNextToken', 'The specified NextToken is invalid.');
export const internalServiceFault = () =>
  new CloudWatchError('InternalServiceFault', 'The local CloudWatch failed to answer (an internal error).');
export const notSupported = (what: string) =>
  invalidParameterValue(`${what} is not supported by the local CloudWatch.`);
