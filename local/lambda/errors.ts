import { AwsProtocolError } from '../http/aws-error';

/** Lambda's exceptions with the HTTP status its REST API answers them with (the SDK reads X-Amzn-ErrorType). */
const STATUS: Readonly<Record<string, number>> = {
  ResourceNotFoundException: 404,
  PreconditionFailedException: 412,
  ResourceConflictException: 409,
  InvalidParameterValueException: 400,
  InvalidRequestContentException: 400,
  TooManyRequestsException: 429,
  ServiceException: 500,
};

export class LambdaError extends AwsProtocolError {
  constructor(name: string, message: string) {
    super(name, message, STATUS[name] ?? 400);
  }
}

export const functionNotFound = (name: string) =>
  new LambdaError('ResourceNotFoundException', `Function not found: ${name}`);
export const invalidParameterValue = (message: string) => new LambdaError('InvalidParameterValueException', message);
export const serviceException = () =>
  new LambdaError('ServiceException', 'An internal error occurred in the local Lambda.');
