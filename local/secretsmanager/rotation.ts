import { randomUUID } from 'node:crypto';
import type { RotationPlan, SecretsManagerState } from './state';

/**
 * Runs rotations the way Secrets Manager does after RotateSecret has answered: it invokes the
 * rotation function once per step (createSecret, setSecret, testSecret, finishSecret), stops at
 * the first step that throws, and keeps a history shaped like the CloudTrail rotation events
 * (RotationStarted, RotationSucceeded, RotationFailed, RotationAbandoned).
 */

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export interface RotationEvent {
  readonly Step: RotationStep;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly RotationToken?: string;
}

/** An in-process stand-in for the rotation Lambda function registered under an ARN. */
export type RotationFunction = (event: RotationEvent) => Promise<unknown>;

/** How a run ended, or `in-progress` while it runs. */
export type RotationOutcome = 'in-progress' | 'succeeded' | 'failed' | 'abandoned';

/** The CloudTrail event Secrets Manager emits for the run's latest state. */
export type RotationEventName = 'RotationStarted' | 'RotationSucceeded' | 'RotationFailed' | 'RotationAbandoned';

const EVENT_OF_OUTCOME: Record<RotationOutcome, RotationEventName> = {
  'in-progress': 'RotationStarted',
  succeeded: 'RotationSucceeded',
  failed: 'RotationFailed',
  abandoned: 'RotationAbandoned',
};

export interface RotationRecord {
  readonly secretArn: string;
  readonly secretName: string;
  readonly clientRequestToken: string;
  /** The RotationToken passed to every step of this run. */
  readonly rotationToken: string;
  readonly rotationLambdaArn: string;
  /** `test-only`: RotateImmediately=false, only testSecret ran. */
  readonly mode: 'rotate' | 'test-only';
  readonly outcome: RotationOutcome;
  readonly eventName: RotationEventName;
  /** The step running when the run ended (or is running now): where a failure happened. */
  readonly step?: RotationStep;
  readonly completedSteps: readonly RotationStep[];
  /** The error a failed step threw: name and message only. */
  readonly error?: { readonly name: string; readonly message: string };
  readonly startedAt: Date;
  readonly endedAt?: Date;
}

type MutableRecord = {
  -readonly [K in keyof RotationRecord]: RotationRecord[K];
} & { completedSteps: RotationStep[] };

interface RunState {
  readonly record: MutableRecord;
  cancelled: boolean;
  readonly done: Promise<void>;
}

interface Waiter {
  readonly matches: (record: RotationRecord) => boolean;
  readonly resolve: (record: RotationRecord) => void;
}

/** Lambda's own answer when the function to invoke does not exist. */
class FunctionNotFound extends Error {
  override readonly name = 'ResourceNotFoundException';
}

export interface RotationRunnerOptions {
  readonly store: SecretsManagerState;
  readonly now: () => Date;
  readonly resolveFunction: (lambdaArn: string) => RotationFunction | undefined;
}

export class RotationRunner {
  private readonly records: MutableRecord[] = [];
  private readonly inFlight = new Set<RunState>();
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly options: RotationRunnerOptions) {}

  /**
   * Starts the asynchronous run of a rotation RotateSecret just prepared. A RotateSecret retried
   * with the token of the run still in flight joins that run instead of starting a second one.
   */
  start(plan: RotationPlan): RotationRecord {
    for (const run of this.inFlight) {
      if (run.record.secretArn === plan.secretArn && run.record.clientRequestToken === plan.clientRequestToken) {
        return snapshot(run.record);
      }
    }
    const record: MutableRecord = {
      secretArn: plan.secretArn,
      secretName: plan.secretName,
      clientRequestToken: plan.clientRequestToken,
      rotationToken: randomUUID(),
      rotationLambdaArn: plan.rotationLambdaArn,
      mode: plan.mode,
      outcome: 'in-progress',
      eventName: 'RotationStarted',
      completedSteps: [],
      startedAt: this.options.now(),
    };
    this.records.push(record);
    let markDone: () => void = () => undefined;
    const run: RunState = { record, cancelled: false, done: new Promise<void>((resolve) => (markDone = resolve)) };
    this.inFlight.add(run);
    // Like AWS, answer RotateSecret first and invoke the function afterwards.
    setImmediate(() => {
      void this.execute(run, plan).finally(() => {
        this.inFlight.delete(run);
        markDone();
      });
    });
    return snapshot(record);
  }

  /** CancelRotateSecret (or a forced delete) abandons in-flight runs before their next step. */
  cancel(secretArn: string): void {
    for (const run of this.inFlight) if (run.record.secretArn === secretArn) run.cancelled = true;
  }

  history(matches: (record: RotationRecord) => boolean = () => true): RotationRecord[] {
    return this.records.filter(matches).map(snapshot);
  }

  /**
   * Resolves with the matching run once it has ended: the latest one in flight, else the latest
   * that already ended, else the next one to start and end.
   */
  waitFor(matches: (record: RotationRecord) => boolean, timeoutMs: number): Promise<RotationRecord> {
    const matching = this.records.filter(matches);
    const running = matching.some((record) => record.outcome === 'in-progress');
    const latest = matching[matching.length - 1];
    if (latest && !running) return Promise.resolve(snapshot(latest));
    return new Promise<RotationRecord>((resolve, reject) => {
      const waiter: Waiter = {
        matches,
        resolve: (record) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(record);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no matching rotation ended within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Resolves when no rotation is in flight, including ones started while waiting. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight].map((run) => run.done));
  }

  private async execute(run: RunState, plan: RotationPlan): Promise<void> {
    const { record } = run;
    const steps: readonly RotationStep[] = plan.mode === 'test-only' ? ['testSecret'] : ROTATION_STEPS;
    try {
      for (const step of steps) {
        if (run.cancelled) {
          this.end(record, 'abandoned');
          return;
        }
        record.step = step;
        const rotationFunction = this.options.resolveFunction(plan.rotationLambdaArn);
        if (!rotationFunction) throw new FunctionNotFound(`Function not found: ${plan.rotationLambdaArn}`);
        await rotationFunction({
          Step: step,
          SecretId: plan.secretArn,
          ClientRequestToken: plan.clientRequestToken,
          RotationToken: record.rotationToken,
        });
        record.completedSteps.push(step);
      }
      if (plan.mode === 'rotate') this.options.store.recordRotationSucceeded(plan.secretArn);
      this.end(record, 'succeeded');
    } catch (error) {
      this.end(record, 'failed', describeThrown(error));
    } finally {
      if (plan.mode === 'test-only' && plan.createdPlaceholder) {
        this.options.store.removeRotationPlaceholder(plan.secretArn, plan.clientRequestToken);
      }
    }
  }

  private end(
    record: MutableRecord,
    outcome: Exclude<RotationOutcome, 'in-progress'>,
    error?: RotationRecord['error'],
  ): void {
    record.outcome = outcome;
    record.eventName = EVENT_OF_OUTCOME[outcome];
    record.endedAt = this.options.now();
    if (error) record.error = error;
    const ended = snapshot(record);
    for (const waiter of [...this.waiters]) if (waiter.matches(ended)) waiter.resolve(ended);
  }
}

/** Only the error's name and message are kept: the rest of a thrown object may hold anything. */
function describeThrown(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: `the rotation function threw a non-Error value (${typeof error})` };
}

function snapshot(record: MutableRecord): RotationRecord {
  return { ...record, completedSteps: [...record.completedSteps] };
}
