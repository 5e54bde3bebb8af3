import type { Server } from 'node:http';
import { createAwsJsonServer } from '../http/aws-json-server';
import { internalServiceFault } from './errors';
import type { CloudWatchFaults } from './faults';
import type { OperationHandler } from './operations';
import { isOperationName, type OperationName } from './requests';

/**
 * The HTTP face of the local CloudWatch: AWS JSON 1.0 on POST /, `X-Amz-Target:
 * GraniteServiceVersion20100801.<Operation>`, errors with `x-amzn-query-error` (what
 * @aws-sdk/client-cloudwatch 3.x speaks); gzip request bodies (PutMetricData above 10 KiB) are read.
 */

export const TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** PutMetricData's documented limit is 1 MB per request; decompressed JSON may be larger. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export function createCloudWatchServer(
  handlers: Record<OperationName, OperationHandler>,
  faults: CloudWatchFaults,
): Server {
  return createAwsJsonServer(
    {
      targetPrefix: TARGET_PREFIX,
      displayName: 'the local CloudWatch',
      isOperation: isOperationName,
      invoke(operation: OperationName, input: unknown) {
        faults.take(operation);
        return handlers[operation](input);
      },
      internalError: internalServiceFault,
    },
    { maxBodyBytes: MAX_BODY_BYTES, contentType: CONTENT_TYPE },
  );
}
