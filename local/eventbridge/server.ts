import type { Server } from 'node:http';
import { createAwsJsonServer } from '../http/aws-json-server';
import { internalException } from './errors';
import type { EventBridgeFaults } from './faults';
import type { OperationHandler } from './operations';
import { isOperationName, type OperationName } from './requests';

/** The HTTP face of the local EventBridge: AWS JSON 1.1 on POST /, `X-Amz-Target: AWSEvents.<Operation>`. */

/** Ten entries of at most 256 KiB in total, JSON-escaped, fit with room to spare. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function createEventBridgeServer(
  handlers: Record<OperationName, OperationHandler>,
  faults: EventBridgeFaults,
): Server {
  return createAwsJsonServer(
    {
      targetPrefix: 'AWSEvents.',
      displayName: 'the local EventBridge',
      isOperation: isOperationName,
      invoke(operation: OperationName, input: unknown) {
        const entryFault = faults.take(operation);
        return handlers[operation](input, entryFault);
      },
      internalError: internalException,
    },
    { maxBodyBytes: MAX_BODY_BYTES },
  );
}
