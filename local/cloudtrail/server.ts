import type { Server } from 'node:http';
import { createAwsJsonServer, type ControlHandler } from '../http/aws-json-server';
import { internalFailure } from './errors';
import type { CloudTrailFaults } from './faults';
import { isCloudTrailOperationName, type CloudTrailOperationHandler, type CloudTrailOperationName } from './operations';

/**
 * The HTTP face of the local CloudTrail: AWS JSON 1.1 on POST /, `X-Amz-Target:
 * CloudTrail_20131101.<Operation>` as the SDK sends it (or the
 * `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.` form of the API reference), and a
 * control surface under /_keyturn/. Signatures are accepted unchecked, as by the other JSON
 * emulators.
 */

export const CONTROL_PATH_PREFIX = '/_keyturn/';
export const TARGET_PREFIX = 'CloudTrail_20131101.';
export const DOCUMENTED_TARGET_PREFIX = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.';
const MAX_BODY_BYTES = 64 * 1024;

export function createCloudTrailServer(
  handlers: Record<CloudTrailOperationName, CloudTrailOperationHandler>,
  faults: CloudTrailFaults,
  control: ControlHandler,
): Server {
  return createAwsJsonServer(
    {
      targetPrefix: TARGET_PREFIX,
      otherTargetPrefixes: [DOCUMENTED_TARGET_PREFIX],
      displayName: 'the local CloudTrail',
      isOperation: isCloudTrailOperationName,
      invoke(operation: CloudTrailOperationName, input: unknown) {
        faults.take(operation);
        return handlers[operation](input);
      },
      internalError: internalFailure,
    },
    { maxBodyBytes: MAX_BODY_BYTES, control: { pathPrefix: CONTROL_PATH_PREFIX, handle: control } },
  );
}
