import { randomUUID } from 'node:crypto';
import type { CallListeners } from '../http/call-listeners';
import { AwsProtocolError } from '../http/aws-error';
import type { ReceivedCall } from '../http/received-call';
import type { KmsCall } from './answered-calls';
import { distinct, keysNamedByAnswer, keysNamedByRequest } from './call-keys';
import type { KmsContext } from './context';
import { internalFailure } from './errors';
import { isKeyUsageOperation, recordUse } from './key-usage';
import { handlerOf, type KmsOperationName } from './operations';

/**
 * The one place where a call's outcome is noted, around the pure handlers: a call that succeeds
 * records the last use of the keys it used (a cryptographic operation) and is reported; a call
 * refused anywhere (an injected fault, the quota, the handler) is reported with its exception's
 * name and message, and rethrown as it was. What is reported holds identifiers only (KmsCall).
 */

export interface CallReporting {
  readonly context: KmsContext;
  readonly listeners: CallListeners<KmsCall>;
}

/**
 * Runs `admit` (the call's planned failure, the quota, what became due) and then the operation's
 * handler, and reports the outcome.
 */
export function runReported(
  reporting: CallReporting,
  operation: KmsOperationName,
  input: unknown,
  received: ReceivedCall,
  admit: () => void,
): object {
  const { context, listeners } = reporting;
  const time = context.now();
  const eventId = randomUUID();
  const report = (keyArns: readonly string[], refusal?: AwsProtocolError): KmsCall => ({
    time,
    operation,
    region: context.state.location.region,
    accountId: context.state.location.accountId,
    keyArns,
    eventId,
    requestId: received.requestId,
    ...(refusal === undefined ? {} : { errorCode: refusal.name, errorMessage: refusal.message }),
    ...(received.userAgent === undefined ? {} : { userAgent: received.userAgent }),
    ...(received.accessKeyId === undefined ? {} : { accessKeyId: received.accessKeyId }),
    ...(received.sourceIpAddress === undefined ? {} : { sourceIpAddress: received.sourceIpAddress }),
  });
  let named: string[] | undefined;
  try {
    admit();
    // Read before the handler runs: DeleteAlias, for one, removes what names its key.
    named = keysNamedByRequest(context.state, input);
    const output = handlerOf(operation)(input, context);
    const keyArns = distinct([...named, ...keysNamedByAnswer(output)]);
    if (isKeyUsageOperation(operation)) {
      for (const arn of keyArns) {
        const key = context.state.lookup(arn);
        if (key) recordUse(key, { operation, time, eventId, requestId: received.requestId });
      }
    }
    listeners.emit(report(keyArns));
    return output;
  } catch (error) {
    const refusal = error instanceof AwsProtocolError ? error : internalFailure();
    listeners.emit(report(named ?? keysNamedByRequest(context.state, input), refusal));
    throw error;
  }
}
