import type { ExecutionEnvironment, FunctionRuntime, InvocationOwner } from './function-runtime';
import type { OutputLog } from './outputs';

/**
 * How a scenario's world calls the function under test (the rotation function, or the kms-key function) as
 * Lambda would, with the faults that strike an invocation itself: its answer lost (the process killed after
 * it returned) and twin invocations (a retry after the first returned, or two at once, the second's answer
 * the one that counts). Both kinds of world use it, so both see the same faults the same way.
 */

/** An error a twin invocation or a racing run got (checked for raw or misleading messages). */
export interface ConcurrentError {
  readonly source: string;
  readonly name: string;
  readonly message: string;
}

export type Twin = 'sequential' | 'concurrent';

export class FunctionCaller {
  readonly concurrentErrors: ConcurrentError[] = [];
  /** Environments serving one of this world's invocations now (a crash kills them). */
  readonly inFlight = new Set<ExecutionEnvironment>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly runtime: FunctionRuntime,
    private readonly owner: InvocationOwner,
    private readonly outputs: OutputLog,
  ) {}

  /** One call of `step` as the caller (Secrets Manager, a state machine) makes it, with its twin if any. */
  async invoke(step: string, event: unknown, twin?: Twin, crashAfterReturn = false): Promise<unknown> {
    if (twin === 'concurrent') {
      // Overlapping retries: the first call runs on while the second, whose answer counts, starts.
      this.track(
        this.call(event).catch((error: unknown) => {
          this.noteConcurrentError(`twin ${step}`, error);
        }),
      );
      return this.call(event, crashAfterReturn);
    }
    if (twin === 'sequential') {
      await this.call(event).catch((error: unknown) => {
        this.noteConcurrentError(`first of two ${step}`, error);
      });
    }
    return this.call(event, crashAfterReturn);
  }

  /** One invocation in an execution environment of the runtime. */
  async call(event: unknown, crashAfterReturn = false): Promise<unknown> {
    let environment: ExecutionEnvironment | undefined;
    try {
      return await this.runtime.invoke(this.owner, event, {
        crashAfterReturn,
        onEnvironment: (chosen) => {
          environment = chosen;
          this.inFlight.add(chosen);
        },
      });
    } catch (error) {
      this.outputs.addError(error);
      throw error;
    } finally {
      if (environment) this.inFlight.delete(environment);
    }
  }

  noteConcurrentError(source: string, error: unknown): void {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    this.concurrentErrors.push({ source, name, message });
  }

  /** Work that runs on in the background (a twin): settle() waits for it. */
  track(work: Promise<unknown>): void {
    const settled = work.catch(() => undefined);
    this.background.add(settled);
    void settled.finally(() => this.background.delete(settled));
  }

  /** Whether anything of this world still runs: a twin, an invocation. */
  busy(): boolean {
    return this.background.size > 0 || this.inFlight.size > 0;
  }

  /** A crash of every process working for this world now. */
  async killAll(): Promise<void> {
    await Promise.all([...this.inFlight].map((environment) => this.runtime.kill(environment)));
  }

  /** Kills one process working for this world. */
  kill(environment: ExecutionEnvironment): Promise<void> {
    return this.runtime.kill(environment);
  }
}

/**
 * A crashed runtime reaches Step Functions as `Lambda.Unknown` (AWS: "Unhandled errors in Lambda are reported
 * as Lambda.Unknown", out-of-memory errors and timeouts included), with Lambda's error as the cause.
 */
export function asStepFunctionsError(error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== 'Runtime.ExitError') return error;
  return Object.assign(new Error(JSON.stringify({ errorType: error.name, errorMessage: error.message })), {
    name: 'Lambda.Unknown',
  });
}
