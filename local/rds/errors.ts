import { AwsQueryError } from '../http/aws-query-server';

/**
 * RDS errors as the awsQuery protocol carries them: `<ErrorResponse><Error><Type>Sender</Type>
 * <Code>DBInstanceNotFound</Code><Message>...</Message></Error>` with the HTTP status of the
 * service model. The SDK maps the code to its exception class (DBInstanceNotFound →
 * DBInstanceNotFoundFault, DBClusterNotFoundFault → DBClusterNotFoundFault); codes the model does
 * not know (AccessDenied, Throttling) come back as RDSServiceException named after the code.
 */

/** Codes with their HTTP status (the service model's awsQueryError traits, and the common query errors). */
const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  DBInstanceNotFound: 404,
  DBClusterNotFoundFault: 404,
  InvalidParameterValue: 400,
  InvalidParameterCombination: 400,
  AccessDenied: 403,
  Throttling: 400,
  InternalFailure: 500,
  ServiceUnavailable: 503,
  InvalidAction: 400,
  MissingAction: 400,
  NoSuchVersion: 400,
  MalformedQueryString: 400,
};

export class RdsError extends AwsQueryError {
  constructor(code: string, message: string) {
    super(code, message, HTTP_STATUS_BY_CODE[code] ?? 400);
  }
}

export const invalidParameterValue = (message: string) => new RdsError('InvalidParameterValue', message);
export const dbInstanceNotFound = (identifier: string) =>
  new RdsError('DBInstanceNotFound', `DBInstance ${identifier} not found.`);
export const dbClusterNotFound = (identifier: string) =>
  new RdsError('DBClusterNotFoundFault', `DBCluster ${identifier} not found.`);
export const internalFailure = () => new RdsError('InternalFailure', 'An internal error occurred in the local RDS.');
