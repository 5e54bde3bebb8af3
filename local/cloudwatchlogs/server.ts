import type { Server } from 'node:http';
import { createAwsJsonServer } from '../http/aws-json-server';
import { serviceUnavailable } from './errors';
import type { LogsFaults } from './faults';
import type { OperationHandler } from './operations';
import { MAX_BATCH_BYTES } from './put-log-events';
import { isOperationName, type OperationName } from './requests';

/** The HTTP face of the local CloudWatch Logs: AWS JSON 1.1 on POST /, `X-Amz-Target: Logs_20140328.<Operation>`. */

export const TARGET_PREFIX = 'Logs_20140328.';
/** A full PutLogEvents batch, JSON-escaped, fits with room to spare. */
const MAX_BODY_BYTES = 8 * MAX_BATCH_BYTES;

export function createLogsServer(handlers: Record<OperationName, OperationHandler>, faults: LogsFaults): Server {
  return createAwsJsonServer(
    {
      targetPrefix: TARGET_PREFIX,
      displayName: 'the local CloudWatch Logs',
      isOperation: isOperationName,
      invoke(operation: OperationName, input: unknown) {
        faults.take(operation);
        return handlers[operation](input);
      },
      internalError: serviceUnavailable,
    },
    { maxBodyBytes: MAX_BODY_BYTES },
  );
}
