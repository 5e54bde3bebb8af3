import type { Server } from 'node:http';
import { createAwsJsonServer } from '../http/aws-json-server';
import { internalFailure } from './errors';
import type { StepFunctionsFaults } from './faults';
import type { OperationHandler } from './operations';
import { isOperationName, type OperationName } from './requests';

/**
 * The HTTP face of the local Step Functions: AWS JSON 1.0 (as the service model says; the SDK
 * sends `application/x-amz-json-1.0`) on POST /, `X-Amz-Target: AWSStepFunctions.<Operation>`.
 */

/** An execution input is at most 256 KiB; JSON-escaped inside the request it may double. */
const MAX_BODY_BYTES = 1024 * 1024;

export function createStepFunctionsServer(
  handlers: Record<OperationName, OperationHandler>,
  faults: StepFunctionsFaults,
): Server {
  return createAwsJsonServer(
    {
      targetPrefix: 'AWSStepFunctions.',
      displayName: 'the local Step Functions',
      isOperation: isOperationName,
      invoke(operation: OperationName, input: unknown) {
        faults.take(operation);
        return handlers[operation](input);
      },
      internalError: internalFailure,
    },
    { maxBodyBytes: MAX_BODY_BYTES, contentType: 'application/x-amz-json-1.0' },
  );
}
