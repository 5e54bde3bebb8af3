/**
 * Planned failures, per operation: "the next N calls of X fail like this". Plans for one
 * operation are consumed in the order they were made; each emulator decides what a planned
 * fault looks like (an exception name, a per-entry failure, ...) and when to take one.
 */

/** Exception names and error codes a fault may carry: identifiers such as `InternalServiceError`. */
const FAULT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9.]{0,127}$/;

export function assertFaultName(name: string, example: string): void {
  if (!FAULT_NAME_PATTERN.test(name)) throw new RangeError(`exception name must be an identifier such as ${example}`);
}

export interface PlannedFault<Operation extends string, Fault> {
  readonly operation: Operation;
  readonly remaining: number;
  readonly fault: Fault;
}

export class FaultPlan<Operation extends string, Fault> {
  private readonly queues = new Map<Operation, { remaining: number; fault: Fault }[]>();

  /** The next `count` calls of `operation` (after any already planned) fail with `fault`. */
  add(operation: Operation, count: number, fault: Fault): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError('fault count must be a positive whole number');
    const queue = this.queues.get(operation) ?? [];
    queue.push({ remaining: count, fault });
    this.queues.set(operation, queue);
  }

  /**
   * Consumes one planned failure for this call of `operation`, if there is one: the oldest plan
   * that `applies` to the call (a plan scoped to one resource passes over calls on others).
   */
  take(operation: Operation, applies: (fault: Fault) => boolean = () => true): Fault | undefined {
    const queue = this.queues.get(operation);
    const index = queue?.findIndex((planned) => applies(planned.fault)) ?? -1;
    const next = queue?.[index];
    if (!queue || !next) return undefined;
    next.remaining -= 1;
    if (next.remaining === 0) queue.splice(index, 1);
    if (queue.length === 0) this.queues.delete(operation);
    return next.fault;
  }

  pending(): PlannedFault<Operation, Fault>[] {
    return [...this.queues].flatMap(([operation, queue]) =>
      queue.map(({ remaining, fault }) => ({ operation, remaining, fault })),
    );
  }

  /** Drops every plan, or only those `applies` to. */
  clear(applies?: (fault: Fault) => boolean): void {
    if (!applies) {
      this.queues.clear();
      return;
    }
    for (const [operation, queue] of this.queues) {
      const kept = queue.filter((planned) => !applies(planned.fault));
      if (kept.length === 0) this.queues.delete(operation);
      else this.queues.set(operation, kept);
    }
  }
}
