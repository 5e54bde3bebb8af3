import { AwsProtocolError } from '../http/aws-error';

/**
 * The exceptions the local EventBridge answers with, named as AWS names them (the SDK turns
 * `__type` into the error's name). InternalException is a server fault (HTTP 500, retried by
 * the SDK); everything else is a client error (HTTP 400; ThrottlingException is still retried
 * by the SDK, by name).
 */

export const EVENTBRIDGE_EXCEPTION_NAMES = [
  'ValidationException',
  'ResourceNotFoundException',
  'ResourceAlreadyExistsException',
  'InvalidStateException',
  'LimitExceededException',
  'ConcurrentModificationException',
  'OperationDisabledException',
  'ThrottlingException',
  'InternalException',
  'UnknownOperationException',
  'SerializationException',
] as const;

export type EventBridgeExceptionName = (typeof EVENTBRIDGE_EXCEPTION_NAMES)[number];

/**
 * Per-entry PutEvents error codes (PutEventsResultEntry.ErrorCode): reported inside a 200
 * response, never thrown. InternalFailure and ThrottlingException are the retryable ones.
 */
export type EntryErrorCode =
  | 'InvalidArgument'
  | 'MalformedDetail'
  | 'NotAuthorizedForSourceException'
  | 'ThrottlingException'
  | 'InternalFailure'
  | (string & {});

export class EventBridgeError extends AwsProtocolError {
  constructor(exceptionName: EventBridgeExceptionName | (string & {}), message: string) {
    super(exceptionName, message, exceptionName === 'InternalException' ? 500 : 400);
  }
}

export const validationException = (message: string) => new EventBridgeError('ValidationException', message);
export const resourceNotFound = (message: string) => new EventBridgeError('ResourceNotFoundException', message);
export const resourceAlreadyExists = (message: string) =>
  new EventBridgeError('ResourceAlreadyExistsException', message);
export const internalException = () =>
  new EventBridgeError('InternalException', 'An internal error occurred in the local EventBridge.');
