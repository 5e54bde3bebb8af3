import { AwsQueryError, COMMON_QUERY_ERROR_STATUS } from '../http/aws-query-server';

/**
 * IAM and STS errors as awsQuery carries them (`<Error><Type>Sender</Type><Code>NoSuchEntity</Code>`),
 * with the HTTP status of the service models' awsQueryError traits (NoSuchEntity 404,
 * LimitExceeded / EntityAlreadyExists / DeleteConflict 409, ServiceFailure 500) and of AWS's
 * common authentication errors (InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken,
 * MissingAuthenticationToken: 403; IncompleteSignature: 400). The SDK maps modelled codes to
 * their exception classes (NoSuchEntity → NoSuchEntityException); the others keep the code as
 * the error's name.
 */
const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ...COMMON_QUERY_ERROR_STATUS,
  NoSuchEntity: 404,
  LimitExceeded: 409,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  InvalidInput: 400,
  ValidationError: 400,
  ServiceFailure: 500,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  ExpiredToken: 403,
  MissingAuthenticationToken: 403,
  IncompleteSignature: 400,
  AccessDenied: 403,
  MalformedPolicyDocument: 400,
};

export class IamError extends AwsQueryError {
  constructor(code: string, message: string) {
    super(code, message, HTTP_STATUS_BY_CODE[code] ?? 400);
  }
}

// Authentication, in AWS's words.
export const invalidClientTokenId = () =>
  new IamError('InvalidClientTokenId', 'The security token included in the request is invalid.');
export const signatureDoesNotMatch = (detail?: string) =>
  new IamError(
    'SignatureDoesNotMatch',
    detail ??
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );
export const expiredToken = () => new IamError('ExpiredToken', 'The security token included in the request is expired');
export const missingAuthenticationToken = () =>
  new IamError('MissingAuthenticationToken', 'Request is missing Authentication Token');
export const incompleteSignature = (detail: string) => new IamError('IncompleteSignature', detail);

// IAM.
export const noSuchUser = (userName: string) =>
  new IamError('NoSuchEntity', `The user with name ${userName} cannot be found.`);
export const noSuchAccessKey = (accessKeyId: string) =>
  new IamError('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found`);
export const userAlreadyExists = (userName: string) =>
  new IamError('EntityAlreadyExists', `User with name ${userName} already exists.`);
export const accessKeyQuotaExceeded = (quota: number) =>
  new IamError('LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${quota}`);
export const deleteConflictAccessKeys = () =>
  new IamError('DeleteConflict', 'Cannot delete entity, must delete access keys first.');
/** AWS's constraint wording: `1 validation error detected: Value 'x' at 'userName' failed to satisfy constraint: ...`. */
export const validationError = (value: string, field: string, constraint: string) =>
  new IamError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
export const missingParameter = (name: string) =>
  new IamError('MissingParameter', `The request must contain the parameter ${name}.`);
export const serviceFailure = () => new IamError('ServiceFailure', 'An internal error occurred in the local IAM.');

// STS.
export const notAuthorizedToAssume = (callerArn: string, roleArn: string) =>
  new IamError(
    'AccessDenied',
    `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
  );
export const internalFailure = () => new IamError('InternalFailure', 'An internal error occurred in the local STS.');
