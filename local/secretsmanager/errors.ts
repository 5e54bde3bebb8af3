import { AwsProtocolError } from '../http/aws-error';

/**
 * The exceptions the local Secrets Manager answers with, named exactly as AWS names them:
 * the SDK turns `__type` into `err.name`, and callers (and Step Functions Retry/Catch)
 * match on that name. Messages say what went wrong in AWS's spirit but never carry a
 * secret value: only names, ARNs, version ids, labels and parameter names.
 */

export const AWS_EXCEPTION_NAMES = [
  'ResourceNotFoundException',
  'ResourceExistsException',
  'InvalidParameterException',
  'InvalidRequestException',
  'InvalidNextTokenException',
  'LimitExceededException',
  'ThrottlingException',
  'InternalServiceError',
  'DecryptionFailure',
  'EncryptionFailure',
  'MalformedPolicyDocumentException',
  'PreconditionNotMetException',
  'UnknownOperationException',
  'SerializationException',
] as const;

export type AwsExceptionName = (typeof AWS_EXCEPTION_NAMES)[number];

/** Server faults answer 500 so the SDK classifies them as retryable server errors, as it would against AWS. */
const SERVER_FAULTS: ReadonlySet<string> = new Set(['InternalServiceError']);

export function isAwsExceptionName(name: string): name is AwsExceptionName {
  return (AWS_EXCEPTION_NAMES as readonly string[]).includes(name);
}

export function httpStatusFor(exceptionName: string): number {
  return SERVER_FAULTS.has(exceptionName) ? 500 : 400;
}

/**
 * An error the service answers with. `exceptionName` is a plain string so fault injection can
 * make the server answer with any exception a test wants to see, known here or not.
 */
export class AwsServiceError extends AwsProtocolError {
  constructor(exceptionName: AwsExceptionName | (string & {}), message: string) {
    super(exceptionName, message, httpStatusFor(exceptionName));
  }
}

export const resourceNotFound = (message: string) => new AwsServiceError('ResourceNotFoundException', message);
export const resourceExists = (message: string) => new AwsServiceError('ResourceExistsException', message);
export const invalidParameter = (message: string) => new AwsServiceError('InvalidParameterException', message);
export const invalidRequest = (message: string) => new AwsServiceError('InvalidRequestException', message);
export const limitExceeded = (message: string) => new AwsServiceError('LimitExceededException', message);
