import type { Server } from 'node:http';
import { createAwsJsonServer, type ControlHandler } from '../http/aws-json-server';
import type { KmsContext } from './context';
import { isSymmetricCryptoOperation, type CryptoRequestQuota } from './crypto-quota';
import { internalFailure, throttling } from './errors';
import type { KmsFaults } from './faults';
import { handlerOf, isKmsOperationName, type KmsOperationName } from './operations';

/**
 * The HTTP face of the local KMS: AWS JSON 1.1 on POST /, `X-Amz-Target: TrentService.<Operation>`
 * as the SDK sends it, and a control surface under /_keyturn/. Signatures are accepted unchecked,
 * as by the other JSON emulators. A call: its planned delay, its planned failure, the shared
 * cryptographic quota, then whatever became due by now (rotations, deletions), then the operation.
 * Nothing here logs bodies: they carry plaintexts and data keys.
 */

export const CONTROL_PATH_PREFIX = '/_keyturn/';
export const TARGET_PREFIX = 'TrentService.';
/** Above the largest legal request: 6144-byte blobs, base64-encoded, plus fields. */
const MAX_BODY_BYTES = 256 * 1024;

export interface KmsServerDependencies {
  readonly context: KmsContext;
  readonly faults: KmsFaults;
  readonly quota: CryptoRequestQuota;
  /** Completes what became due by now (the state's settle with the current knobs). */
  readonly settle: () => void;
}

export function createKmsServer(dependencies: KmsServerDependencies, control: ControlHandler): Server {
  const { context, faults, quota, settle } = dependencies;
  return createAwsJsonServer(
    {
      targetPrefix: TARGET_PREFIX,
      displayName: 'the local KMS',
      isOperation: isKmsOperationName,
      async invoke(operation: KmsOperationName, input: unknown) {
        const planned = faults.take(operation);
        if (planned.delayMs !== undefined) await faults.hold(planned.delayMs);
        if (planned.error) throw planned.error;
        if (isSymmetricCryptoOperation(operation) && !quota.admit()) throw throttling();
        settle();
        return handlerOf(operation)(input, context);
      },
      internalError: internalFailure,
    },
    { maxBodyBytes: MAX_BODY_BYTES, control: { pathPrefix: CONTROL_PATH_PREFIX, handle: control } },
  );
}
