import { assertFaultName, FaultPlan } from '../http/fault-plan';
import { KmsError } from './errors';
import { isKmsOperationName, type KmsOperationName } from './operations';

/**
 * Fault injection for the local KMS, so chaos tests can make a call fail or hang: the next N
 * calls of an operation fail with a named exception (KMSInternalException, HTTP 500, by
 * default; ThrottlingException is retried by the SDK like a real throttle), and/or are held back
 * for a while before they run — `Infinity` holds them until the faults are cleared or the
 * emulator stops, so a client's timeout is what ends the call. A failed call changes nothing.
 */

export const DEFAULT_KMS_FAULT = 'KMSInternalException';

export interface PendingKmsFault {
  readonly operation: KmsOperationName;
  readonly remaining: number;
  /** The exception the call fails with, for a failure. */
  readonly exceptionName?: string;
  /** How long the call is held back, for a delay (`null` in JSON for Infinity). */
  readonly delayMs?: number;
}

export interface KmsFaultControl {
  /** The next `count` calls of `operation` fail with `exceptionName` (default KMSInternalException, HTTP 500). */
  failNext(operation: string, exceptionName?: string, count?: number): void;
  /** The next `count` calls of `operation` wait `ms` (Infinity: until clear() or stop) before they run. */
  delayNext(operation: string, ms: number, count?: number): void;
  pending(): PendingKmsFault[];
  /** Drops every planned fault and lets every held call go on. */
  clear(): void;
}

/** What one call takes from the plan. */
export interface TakenKmsFault {
  readonly delayMs?: number;
  readonly error?: KmsError;
}

function checkedOperation(operation: string): KmsOperationName {
  if (!isKmsOperationName(operation)) throw new RangeError(`unknown KMS operation: ${operation}`);
  return operation;
}

export class KmsFaults implements KmsFaultControl {
  private readonly failures = new FaultPlan<KmsOperationName, string>();
  private readonly delays = new FaultPlan<KmsOperationName, number>();
  private readonly held = new Set<() => void>();

  failNext(operation: string, exceptionName: string = DEFAULT_KMS_FAULT, count = 1): void {
    assertFaultName(exceptionName, DEFAULT_KMS_FAULT);
    this.failures.add(checkedOperation(operation), count, exceptionName);
  }

  delayNext(operation: string, ms: number, count = 1): void {
    if (!(ms === Infinity || (Number.isFinite(ms) && ms >= 0))) {
      throw new RangeError('a delay must be a number of ms >= 0, or Infinity');
    }
    this.delays.add(checkedOperation(operation), count, ms);
  }

  pending(): PendingKmsFault[] {
    return [
      ...this.delays.pending().map(({ operation, remaining, fault }) => ({ operation, remaining, delayMs: fault })),
      ...this.failures.pending().map(({ operation, remaining, fault }) => ({
        operation,
        remaining,
        exceptionName: fault,
      })),
    ];
  }

  clear(): void {
    this.failures.clear();
    this.delays.clear();
    this.releaseAll();
  }

  /** Lets every held call go on (at stop, so no call outlives the emulator). */
  releaseAll(): void {
    for (const release of [...this.held]) release();
  }

  take(operation: KmsOperationName): TakenKmsFault {
    const delayMs = this.delays.take(operation);
    const exceptionName = this.failures.take(operation);
    return {
      ...(delayMs === undefined ? {} : { delayMs }),
      ...(exceptionName === undefined
        ? {}
        : { error: new KmsError(exceptionName, `Injected fault: ${operation} failed with ${exceptionName}.`) }),
    };
  }

  /** Waits `ms` (Infinity: until released). */
  hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const release = () => {
        if (timer) clearTimeout(timer);
        this.held.delete(release);
        resolve();
      };
      this.held.add(release);
      if (ms !== Infinity) timer = setTimeout(release, ms);
    });
  }
}
