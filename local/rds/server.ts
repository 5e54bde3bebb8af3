import type { Server } from 'node:http';
import { createAwsQueryServer } from '../http/aws-query-server';
import { internalFailure, RdsError } from './errors';
import type { RdsFaults } from './faults';
import type { OperationHandler } from './operations';
import { isOperationName, type OperationName } from './requests';
import { RDS_XML_NAMESPACE } from './xml';

const MAX_BODY_BYTES = 256 * 1024;

/** The HTTP face of the local RDS: awsQuery, API version 2014-10-31; only the Describe actions keyturn needs. */
export function createRdsServer(handlers: Record<OperationName, OperationHandler>, faults: RdsFaults): Server {
  return createAwsQueryServer({
    apiVersion: '2014-10-31',
    serviceId: 'AmazonRDSv19',
    displayName: 'RDS',
    xmlNamespace: RDS_XML_NAMESPACE,
    maxBodyBytes: MAX_BODY_BYTES,
    handlers,
    isOperationName,
    takeFault: (action) => faults.take(action),
    error: (code, message) => new RdsError(code, message),
    internalError: internalFailure,
    bodyTooLarge: () => new RdsError('MalformedQueryString', 'The request is too large.'),
  });
}
