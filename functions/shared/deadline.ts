import { KeyturnError } from './errors';
import { DEFAULT_ROTATION_FUNCTION_TIMEOUT_SECONDS } from './lifecycle-contract';

/**
 * When the current invocation must have answered. Lambda kills a function at its timeout
 * with no error of its own: every wait inside keyturn ends before that, with a named error
 * that says what it was waiting for.
 */
export interface Deadline {
  /** Milliseconds left before the invocation must have answered (never negative). */
  remainingMs(): number;
}

/** A wait would outlast the invocation: it stopped early so that its caller sees why. */
export class DeadlineExceededError extends KeyturnError {
  readonly name = 'DeadlineExceededError';
}

/**
 * Time kept back from every wait: enough to answer, log and publish metrics after the wait
 * gives up (a Lambda's last second is not safe to spend).
 */
export const DEADLINE_RESERVE_MS = 3_000;

/** A deadline `ms` from now. */
export function deadlineIn(ms: number, now: () => number = Date.now): Deadline {
  const end = now() + ms;
  return { remainingMs: () => Math.max(0, end - now()) };
}

/** The deadline of a Lambda invocation; without a context (local runs, tests), the function's configured timeout. */
export function invocationDeadline(context?: { getRemainingTimeInMillis?: () => number }): Deadline {
  if (typeof context?.getRemainingTimeInMillis === 'function') {
    const remaining = context.getRemainingTimeInMillis.bind(context);
    return { remainingMs: () => Math.max(0, remaining()) };
  }
  return deadlineIn(DEFAULT_ROTATION_FUNCTION_TIMEOUT_SECONDS * 1000);
}

/** How long a wait may still last: what is left, less the reserve. */
export function waitBudgetMs(deadline: Deadline): number {
  return Math.max(0, deadline.remainingMs() - DEADLINE_RESERVE_MS);
}

/**
 * Sleeps `ms`, or throws DeadlineExceededError at once when the sleep would eat into the
 * reserve: `waitingFor` completes the message ("... while waiting for <waitingFor>").
 */
export async function sleepWithin(
  deadline: Deadline,
  ms: number,
  waitingFor: string,
  sleep: (ms: number) => Promise<void> = (t) => new Promise((resolve) => setTimeout(resolve, t)),
): Promise<void> {
  if (ms > waitBudgetMs(deadline)) {
    throw new DeadlineExceededError(
      `gave up waiting for ${waitingFor}: ${deadline.remainingMs()} ms were left in this invocation, ` +
        `less than the ${ms} ms wait plus ${DEADLINE_RESERVE_MS} ms to answer`,
    );
  }
  await sleep(ms);
}
