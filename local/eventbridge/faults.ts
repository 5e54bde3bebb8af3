import { assertFaultName, FaultPlan } from '../http/fault-plan';
import { EventBridgeError, type EntryErrorCode } from './errors';
import type { EntryFault } from './put-events';
import { isOperationName, type OperationName } from './requests';

/**
 * Fault injection for the local EventBridge. Two kinds, planned per operation and consumed in
 * order, one per call:
 *  - the whole request fails (ThrottlingException, InternalException, ...): the SDK sees an
 *    exception (and retries the retryable ones itself);
 *  - PutEvents answers 200 but reports entries as failed (`FailedEntryCount` > 0, each failed
 *    entry with an ErrorCode such as ThrottlingException): what an emitter must retry itself.
 * Entries failed by a fault are not recorded.
 */

export const DEFAULT_REQUEST_FAULT = 'InternalException';
export const DEFAULT_ENTRY_FAULT = 'ThrottlingException';

export type EventBridgeFault =
  { readonly kind: 'request'; readonly exceptionName: string } | ({ readonly kind: 'entries' } & EntryFault);

export interface EntryFaultOptions {
  /** @default 'ThrottlingException' (retryable; so is 'InternalFailure') */
  readonly errorCode?: EntryErrorCode;
  readonly errorMessage?: string;
  /** 0-based positions of the entries to fail. @default every entry that would have succeeded */
  readonly entryIndexes?: readonly number[];
}

export interface PendingEventBridgeFault {
  readonly operation: OperationName;
  readonly remaining: number;
  readonly fault: EventBridgeFault;
}

export interface EventBridgeFaultControl {
  /** The next `count` calls of `operation` fail as a whole with `exceptionName` (default InternalException, HTTP 500). */
  failNext(operation: OperationName, count?: number, exceptionName?: string): void;
  /** The next `count` PutEvents calls succeed as requests but report failed entries. */
  failNextEntries(count?: number, options?: EntryFaultOptions): void;
  pending(): PendingEventBridgeFault[];
  clear(): void;
}

export class EventBridgeFaults implements EventBridgeFaultControl {
  private readonly plan = new FaultPlan<OperationName, EventBridgeFault>();

  failNext(operation: OperationName, count = 1, exceptionName: string = DEFAULT_REQUEST_FAULT): void {
    if (!isOperationName(operation)) throw new RangeError(`unknown EventBridge operation: ${String(operation)}`);
    assertFaultName(exceptionName, DEFAULT_REQUEST_FAULT);
    this.plan.add(operation, count, { kind: 'request', exceptionName });
  }

  failNextEntries(count = 1, options: EntryFaultOptions = {}): void {
    const errorCode = options.errorCode ?? DEFAULT_ENTRY_FAULT;
    assertFaultName(errorCode, DEFAULT_ENTRY_FAULT);
    const indexes = options.entryIndexes;
    if (indexes?.some((index) => !Number.isInteger(index) || index < 0 || index > 9)) {
      throw new RangeError('entry indexes are positions 0 to 9 in a PutEvents request');
    }
    this.plan.add('PutEvents', count, {
      kind: 'entries',
      errorCode,
      errorMessage: options.errorMessage ?? `Injected fault: entry failed with ${errorCode}.`,
      ...(indexes === undefined ? {} : { entryIndexes: [...indexes] }),
    });
  }

  pending(): PendingEventBridgeFault[] {
    return this.plan.pending();
  }

  clear(): void {
    this.plan.clear();
  }

  /**
   * Consumes this call's planned fault, if any: a whole-request fault is thrown, a per-entry
   * fault is returned for PutEvents to apply.
   */
  take(operation: OperationName): EntryFault | undefined {
    const fault = this.plan.take(operation);
    if (fault === undefined) return undefined;
    if (fault.kind === 'request') {
      throw new EventBridgeError(
        fault.exceptionName,
        `Injected fault: ${operation} failed with ${fault.exceptionName} on request.`,
      );
    }
    return fault;
  }
}
