import type { Twin } from './function-caller';
import type { Fault, Invocation, StepMoment } from './scenario';

export interface DueFaults {
  /** This call is the n-th of its step. */
  readonly occurrence: number;
  readonly due: readonly Fault[];
  readonly twin?: Twin;
  readonly crashAfterReturn: boolean;
}

/**
 * When the faults planned for a moment of the scenario strike: counts each step's or task's calls and hands
 * out, at the n-th call of one, the faults planned for that moment, each once. Both kinds of world use it.
 */
export class StepMoments {
  private readonly counts = new Map<Invocation, number>();

  constructor(
    private readonly faults: readonly Fault[],
    /** The faults that struck, shared with the world (the report counts them). */
    private readonly fired: Set<Fault>,
  ) {}

  /** Counts start again (when the faults are armed). */
  reset(): void {
    this.counts.clear();
  }

  /**
   * Counts a call of `step`; with the faults armed, returns the faults due at it (now marked as struck), and
   * what they make of the invocation itself: a twin, or its answer lost.
   */
  call(step: Invocation, armed: boolean): DueFaults {
    const occurrence = (this.counts.get(step) ?? 0) + 1;
    this.counts.set(step, occurrence);
    const at: StepMoment = { step, occurrence };
    const due = armed
      ? this.faults.filter(
          (fault) =>
            !this.fired.has(fault) &&
            'at' in fault &&
            fault.at.step === at.step &&
            fault.at.occurrence === at.occurrence,
        )
      : [];
    for (const fault of due) this.fired.add(fault);
    const twin = due.flatMap((fault) => (fault.type === 'step-twice' ? [fault.overlap] : []))[0];
    return {
      occurrence,
      due,
      ...(twin === undefined ? {} : { twin }),
      crashAfterReturn: due.some((fault) => fault.type === 'crash-after-step'),
    };
  }
}
