import type { Server } from 'node:http';
import { createAwsQueryServer } from '../http/aws-query-server';
import { ElastiCacheError, internalFailure } from './errors';
import type { ElastiCacheFaults } from './faults';
import { ELASTICACHE_XML_NAMESPACE, isOperationName, type OperationHandler, type OperationName } from './operations';

const MAX_BODY_BYTES = 256 * 1024;

/** The HTTP face of the local ElastiCache: awsQuery, API version 2015-02-02; DescribeUsers and ModifyUser. */
export function createElastiCacheServer(
  handlers: Record<OperationName, OperationHandler>,
  faults: ElastiCacheFaults,
): Server {
  return createAwsQueryServer({
    apiVersion: '2015-02-02',
    serviceId: 'AmazonElastiCacheV9',
    displayName: 'ElastiCache',
    xmlNamespace: ELASTICACHE_XML_NAMESPACE,
    maxBodyBytes: MAX_BODY_BYTES,
    handlers,
    isOperationName,
    takeFault: (action) => faults.take(action),
    error: (code, message) => new ElastiCacheError(code, message),
    internalError: internalFailure,
    bodyTooLarge: () => new ElastiCacheError('MalformedQueryString', 'The request is too large.'),
  });
}
