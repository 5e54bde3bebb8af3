import { AwsServiceError } from './errors';
import { isOperationName, type OperationName } from './operation-names';

/**
 * Fault injection: the next N calls of an operation fail with a chosen exception before they
 * touch the model, so a caller's retry and error handling can be exercised on demand.
 */

export const DEFAULT_FAULT_EXCEPTION = 'InternalServiceError';
const EXCEPTION_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9.]{0,127}$/;

export interface PendingFault {
  readonly operation: OperationName;
  readonly remaining: number;
  readonly exceptionName: string;
}

export interface FaultControl {
  failNext(operation: string, count: number, exceptionName?: string): void;
  clear(): void;
}

export class FaultInjector implements FaultControl {
  /** Faults queue per operation in the order they were asked for. */
  private readonly queues = new Map<OperationName, { remaining: number; exceptionName: string }[]>();

  failNext(operation: string, count: number, exceptionName: string = DEFAULT_FAULT_EXCEPTION): void {
    if (!isOperationName(operation)) throw new RangeError(`unknown Secrets Manager operation: ${operation}`);
    if (!Number.isInteger(count) || count < 1) throw new RangeError('fault count must be a positive whole number');
    if (!EXCEPTION_NAME_PATTERN.test(exceptionName))
      throw new RangeError('exception name must be an identifier such as InternalServiceError');
    const queue = this.queues.get(operation) ?? [];
    queue.push({ remaining: count, exceptionName });
    this.queues.set(operation, queue);
  }

  clear(): void {
    this.queues.clear();
  }

  pending(): PendingFault[] {
    return [...this.queues].flatMap(([operation, queue]) => queue.map((fault) => ({ operation, ...fault })));
  }

  /** Consumes one planned failure for this call, if any, and returns the error to answer with. */
  take(operation: OperationName): AwsServiceError | undefined {
    const queue = this.queues.get(operation);
    const fault = queue?.[0];
    if (!queue || !fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) queue.shift();
    if (queue.length === 0) this.queues.delete(operation);
    return new AwsServiceError(
      fault.exceptionName,
      `Injected fault: ${operation} failed with ${fault.exceptionName} on request.`,
    );
  }
}
