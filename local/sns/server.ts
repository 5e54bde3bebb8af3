import type { Server } from 'node:http';
import { createAwsQueryServer } from '../http/aws-query-server';
import { internalError, invalidParameter, SnsError } from './errors';
import type { SnsFaults } from './faults';
import type { OperationHandler } from './operations';
import { isOperationName, type OperationName } from './requests';
import { SNS_XML_NAMESPACE } from './xml';

/** A 256 KiB message with attributes, percent-encoded (up to 3 bytes per byte), fits with room to spare. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The HTTP face of the local SNS: awsQuery, API version 2010-03-31; message bodies are never logged. */
export function createSnsServer(handlers: Record<OperationName, OperationHandler>, faults: SnsFaults): Server {
  return createAwsQueryServer({
    apiVersion: '2010-03-31',
    serviceId: 'AmazonSNS',
    displayName: 'SNS',
    xmlNamespace: SNS_XML_NAMESPACE,
    maxBodyBytes: MAX_BODY_BYTES,
    handlers,
    isOperationName,
    takeFault: (action) => faults.take(action),
    error: (code, message) => new SnsError(code, message),
    internalError,
    bodyTooLarge: () => invalidParameter('Message too long'),
  });
}
