import { AwsProtocolError } from '../http/aws-error';

/**
 * The exceptions the local CloudTrail answers LookupEvents with, named as the CloudTrail API
 * names them (the SDK turns `__type` into the error's name). ThrottlingException is HTTP 400, as
 * AWS sends it, and the SDK still retries it (a throttling error, by name); InternalFailure and
 * ServiceUnavailable are server faults (HTTP 500 / 503).
 */

export const CLOUDTRAIL_EXCEPTION_NAMES = [
  'InvalidLookupAttributesException',
  'InvalidMaxResultsException',
  'InvalidTimeRangeException',
  'InvalidNextTokenException',
  'InvalidEventCategoryException',
  'ThrottlingException',
  'OperationNotPermittedException',
  'UnsupportedOperationException',
  'InternalFailure',
  'ServiceUnavailable',
  'UnknownOperationException',
  'SerializationException',
] as const;

export type CloudTrailExceptionName = (typeof CLOUDTRAIL_EXCEPTION_NAMES)[number];

const SERVER_FAULT_STATUS: Readonly<Record<string, number>> = { InternalFailure: 500, ServiceUnavailable: 503 };

export class CloudTrailError extends AwsProtocolError {
  constructor(exceptionName: CloudTrailExceptionName | (string & {}), message: string) {
    super(exceptionName, message, SERVER_FAULT_STATUS[exceptionName] ?? 400);
  }
}

export const invalidLookupAttributes = (message: string) =>
  new CloudTrailError('InvalidLookupAttributesException', message);
export const invalidMaxResults = () =>
  new CloudTrailError('InvalidMaxResultsException', 'MaxResults must be a whole number from 1 to 50.');
export const invalidTimeRange = (message: string) => new CloudTrailError('InvalidTimeRangeException', message);
export const invalidNextToken = () =>
  new CloudTrailError(
    'InvalidNextTokenException',
    'The NextToken is not valid: it must come from a LookupEvents call with the same parameters.',
  );
export const invalidEventCategory = () =>
  new CloudTrailError('InvalidEventCategoryException', "EventCategory must be 'insight'.");
export const serializationException = (message: string) => new CloudTrailError('SerializationException', message);
export const throttlingException = () => new CloudTrailError('ThrottlingException', 'Rate exceeded');
export const internalFailure = () =>
  new CloudTrailError('InternalFailure', 'An internal error occurred in the local CloudTrail.');
