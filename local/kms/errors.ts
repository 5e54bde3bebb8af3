import { AwsProtocolError } from '../http/aws-error';

/**
 * The exceptions the local KMS answers with, named as the KMS API names them (the SDK turns
 * `__type` into the error's name) and sent with the HTTP status the KMS API model gives each
 * (checked against @aws-sdk/client-kms's schema): NotFoundException 404; DisabledException,
 * KMSInvalidStateException, AlreadyExistsException and ConflictException 409;
 * KMSInternalException 500; DependencyTimeoutException 503; everything else 400, including the
 * common ValidationException and ThrottlingException (which the SDK retries, by name).
 */

const HTTP_STATUS: Readonly<Record<string, number>> = {
  NotFoundException: 404,
  DisabledException: 409,
  KMSInvalidStateException: 409,
  AlreadyExistsException: 409,
  ConflictException: 409,
  DryRunOperationException: 412,
  KMSInternalException: 500,
  KeyUnavailableException: 500,
  DependencyTimeoutException: 503,
};

export class KmsError extends AwsProtocolError {
  constructor(exceptionName: string, message: string) {
    super(exceptionName, message, HTTP_STATUS[exceptionName] ?? 400);
  }
}

export const notFound = (message: string) => new KmsError('NotFoundException', message);
export const validation = (message: string) => new KmsError('ValidationException', message);
/** A request member outside its modelled range, worded as AWS words constraint failures. */
export const outOfRange = (member: string, value: number, min: number, max: number) =>
  validation(
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have value ${
      value < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`
    }`,
  );
export const disabled = (keyArn: string) => new KmsError('DisabledException', `${keyArn} is disabled.`);
export const invalidState = (message: string) => new KmsError('KMSInvalidStateException', message);
export const pendingDeletion = (keyArn: string) => invalidState(`${keyArn} is pending deletion.`);
export const pendingImport = (keyArn: string) => invalidState(`${keyArn} is pending import.`);
export const unsupported = (message: string) => new KmsError('UnsupportedOperationException', message);
export const invalidKeyUsage = (message: string) => new KmsError('InvalidKeyUsageException', message);
export const invalidCiphertext = () =>
  new KmsError(
    'InvalidCiphertextException',
    'The ciphertext is invalid, or was altered, or the encryption context does not match.',
  );
export const incorrectKey = () =>
  new KmsError(
    'IncorrectKeyException',
    'The key ID in the request does not identify a KMS key that can perform this operation.',
  );
export const alreadyExists = (message: string) => new KmsError('AlreadyExistsException', message);
export const invalidAliasName = (message: string) => new KmsError('InvalidAliasNameException', message);
export const limitExceeded = (message: string) => new KmsError('LimitExceededException', message);
export const conflict = (message: string) => new KmsError('ConflictException', message);
export const invalidMarker = () => new KmsError('InvalidMarkerException', 'The marker is not valid for this request.');
export const malformedPolicy = (message: string) => new KmsError('MalformedPolicyDocumentException', message);
export const tagError = (message: string) => new KmsError('TagException', message);
export const invalidSignature = () => new KmsError('KMSInvalidSignatureException', '');
export const invalidMac = () => new KmsError('KMSInvalidMacException', '');
// AWS's own wording for a throttled KMS request.
export const throttling = () =>
  new KmsError(
    'ThrottlingException',
    'You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.',
  );
export const internalFailure = () =>
  new KmsError('KMSInternalException', 'An internal error occurred in the local KMS.');
