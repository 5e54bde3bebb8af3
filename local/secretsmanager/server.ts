import type { Server } from 'node:http';
import { createAwsJsonServer, type ControlHandler } from '../http/aws-json-server';
import { AwsServiceError } from './errors';
import type { FaultInjector } from './faults';
import { isOperationName, type OperationName } from './operation-names';
import type { OperationHandler } from './operations';
import type { RequestRateLimiter } from './quotas';

/**
 * The HTTP face of the local Secrets Manager: AWS JSON 1.1 on POST / (routed by X-Amz-Target),
 * and, clearly apart under /_keyturn/, a small control surface for tests and tools in other
 * processes. The protocol plumbing is shared with the other JSON emulators (local/http/).
 * Nothing here logs request bodies: they carry secret values.
 */

export type { ControlHandler, ControlResponse } from '../http/aws-json-server';

export const CONTROL_PATH_PREFIX = '/_keyturn/';
/** Comfortably above the largest legal request (a 64 KiB value, base64-encoded, plus fields). */
const MAX_BODY_BYTES = 1024 * 1024;

export interface AwsProtocolDependencies {
  /**
   * The operations of the region a request is signed for (its SigV4 credential scope; unsigned: the service's own
   * region): the SDK signs for the region a client is configured with, so a client for a replica's region reads
   * the replica, as it would at that region's endpoint.
   */
  readonly handlersFor: (region: string | undefined) => Record<OperationName, OperationHandler>;
  readonly limiter: RequestRateLimiter;
  readonly faults: FaultInjector;
}

export function createSecretsManagerServer(aws: AwsProtocolDependencies, control: ControlHandler): Server {
  return createAwsJsonServer(
    {
      targetPrefix: 'secretsmanager.',
      displayName: 'the local Secrets Manager',
      isOperation: isOperationName,
      invoke(operation: OperationName, input: unknown, call) {
        aws.limiter.admit(operation);
        const fault = aws.faults.take(operation, input);
        if (fault?.timing === 'before-applying') throw fault.error;
        const output = aws.handlersFor(call.region)[operation](input);
        // Applied, and the answer is lost: the caller sees only the error.
        if (fault) throw fault.error;
        return output;
      },
      internalError: () => new AwsServiceError('InternalServiceError', 'An error occurred on the server side.'),
    },
    { maxBodyBytes: MAX_BODY_BYTES, control: { pathPrefix: CONTROL_PATH_PREFIX, handle: control } },
  );
}
