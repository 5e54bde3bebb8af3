import { AwsProtocolError } from '../http/aws-error';

/**
 * The exceptions the local Step Functions API answers with, named as AWS names them (the SDK
 * turns `__type` into the error's name: `ExecutionAlreadyExists`, `StateMachineDoesNotExist`...).
 * All are client errors (HTTP 400) but InternalFailure (500).
 */
export type StepFunctionsExceptionName =
  | 'InvalidArn'
  | 'InvalidName'
  | 'InvalidExecutionInput'
  | 'InvalidToken'
  | 'StateMachineDoesNotExist'
  | 'ExecutionDoesNotExist'
  | 'ExecutionAlreadyExists'
  | 'ValidationException'
  | 'InternalFailure';

export class StepFunctionsError extends AwsProtocolError {
  constructor(exceptionName: StepFunctionsExceptionName, message: string) {
    super(exceptionName, message, exceptionName === 'InternalFailure' ? 500 : 400);
  }
}

export const invalidArn = (message: string) => new StepFunctionsError('InvalidArn', `Invalid Arn: '${message}'`);
export const validationException = (message: string) => new StepFunctionsError('ValidationException', message);
export const invalidToken = () =>
  new StepFunctionsError('InvalidToken', 'Invalid Token: the nextToken was not issued for this request');
export const internalFailure = () =>
  new StepFunctionsError('InternalFailure', 'An internal error occurred in the local Step Functions.');
