import { AwsQueryError, COMMON_QUERY_ERROR_STATUS } from '../http/aws-query-server';

/**
 * RDS errors as the awsQuery protocol carries them: `<ErrorResponse><Error><Type>Sender</Type>
 * <Code>DBInstanceNotFound</Code><Message>...</Message></Error>` with the HTTP status of the
 * service model. The SDK maps the code to its exception class (DBInstanceNotFound →
 * DBInstanceNotFoundFault, DBClusterNotFoundFault → DBClusterNotFoundFault); codes the model does
 * not know (AccessDenied, Throttling) come back as RDSServiceException named after the code.
 */

/** Codes with their HTTP status (the service model's awsQueryError traits, and the common query errors). */
const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ...COMMON_QUERY_ERROR_STATUS,
  DBInstanceNotFound: 404,
  DBClusterNotFoundFault: 404,
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
