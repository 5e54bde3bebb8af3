import { assertFaultName, FaultPlan } from '../http/fault-plan';
import { AwsServiceError } from './errors';
import { isOperationName, type OperationName } from './operation-names';

/**
 * Fault injection: the next N calls of an operation fail with a chosen exception, either before
 * they touch the model (nothing changed) or after it (the change is made, the answer is an error:
 * a caller that retries sees its own earlier write), optionally only for calls on one secret, so
 * a caller's retry and error handling can be exercised on demand.
 */

export const DEFAULT_FAULT_EXCEPTION = 'InternalServiceError';

/** `before-applying`: the call fails and changes nothing. `after-applying`: it takes effect, then fails. */
export const FAULT_TIMINGS = ['before-applying', 'after-applying'] as const;
export type FaultTiming = (typeof FAULT_TIMINGS)[number];

export interface FaultOptions {
  /** @default 'before-applying' */
  readonly timing?: FaultTiming;
  /** Only calls on this secret (any SecretId form that names it) take the fault. @default every call */
  readonly secretId?: string;
}

export interface PendingFault {
  readonly operation: OperationName;
  readonly remaining: number;
  readonly exceptionName: string;
  readonly timing: FaultTiming;
  /** The secret's ARN, when the fault is scoped to one secret. */
  readonly secretArn?: string;
}

/** A planned fault a call has taken: the error to answer with, and whether the call applies first. */
export interface TakenFault {
  readonly error: AwsServiceError;
  readonly timing: FaultTiming;
}

export interface FaultControl {
  failNext(operation: string, count: number, exceptionName?: string, options?: FaultOptions): void;
  /** Faults planned and not yet consumed. */
  pending(): PendingFault[];
  /** Drops every planned fault, or only those scoped to one secret. */
  clear(options?: { readonly secretId?: string }): void;
}

interface PlannedSecretsManagerFault {
  readonly exceptionName: string;
  readonly timing: FaultTiming;
  readonly secretArn?: string;
}

/** Resolves a SecretId (name, ARN or partial ARN) to the secret's ARN; undefined for no such secret. */
export type SecretArnResolver = (secretId: string) => string | undefined;

export class FaultInjector implements FaultControl {
  /** Faults queue per operation in the order they were asked for. */
  private readonly plan = new FaultPlan<OperationName, PlannedSecretsManagerFault>();

  constructor(private readonly resolveSecretArn: SecretArnResolver = () => undefined) {}

  failNext(
    operation: string,
    count: number,
    exceptionName: string = DEFAULT_FAULT_EXCEPTION,
    options: FaultOptions = {},
  ): void {
    if (!isOperationName(operation)) throw new RangeError(`unknown Secrets Manager operation: ${operation}`);
    assertFaultName(exceptionName, DEFAULT_FAULT_EXCEPTION);
    const timing = options.timing ?? 'before-applying';
    if (!(FAULT_TIMINGS as readonly string[]).includes(timing)) {
      throw new RangeError(`fault timing must be one of ${FAULT_TIMINGS.join(', ')}`);
    }
    let secretArn: string | undefined;
    if (options.secretId !== undefined) {
      secretArn = this.resolveSecretArn(options.secretId);
      if (secretArn === undefined) throw new RangeError(`no secret ${options.secretId} to scope the fault to`);
    }
    this.plan.add(operation, count, { exceptionName, timing, ...(secretArn === undefined ? {} : { secretArn }) });
  }

  clear(options: { readonly secretId?: string } = {}): void {
    if (options.secretId === undefined) {
      this.plan.clear();
      return;
    }
    const secretArn = this.resolveSecretArn(options.secretId) ?? options.secretId;
    this.plan.clear((planned) => planned.secretArn === secretArn);
  }

  pending(): PendingFault[] {
    return this.plan.pending().map(({ operation, remaining, fault }) => ({ operation, remaining, ...fault }));
  }

  /**
   * Consumes one planned failure for this call (its operation and request body), if any: the
   * error to answer with and when. A fault scoped to a secret is taken only by calls on it.
   */
  take(operation: OperationName, input?: unknown): TakenFault | undefined {
    let callSecretArn: string | null | undefined = null;
    const fault = this.plan.take(operation, (planned) => {
      if (planned.secretArn === undefined) return true;
      // Resolved once per call, and only when some plan is scoped to a secret.
      if (callSecretArn === null) callSecretArn = this.callSecret(input);
      return callSecretArn === planned.secretArn;
    });
    if (fault === undefined) return undefined;
    return { error: injectedError(operation, fault.exceptionName), timing: fault.timing };
  }

  /** The secret a call names: SecretId, or Name for CreateSecret. */
  private callSecret(input: unknown): string | undefined {
    if (typeof input !== 'object' || input === null) return undefined;
    const { SecretId, Name } = input as { SecretId?: unknown; Name?: unknown };
    const id = typeof SecretId === 'string' ? SecretId : typeof Name === 'string' ? Name : undefined;
    return id === undefined ? undefined : this.resolveSecretArn(id);
  }
}

function injectedError(operation: OperationName, exceptionName: string): AwsServiceError {
  // Worded as IAM words a denial, so callers that show the message show what AWS would.
  const message =
    exceptionName === 'AccessDeniedException'
      ? `User: arn:aws:sts::123456789012:assumed-role/keyturn/local is not authorized to perform: secretsmanager:${operation} because no identity-based policy allows the secretsmanager:${operation} action`
      : `Injected fault: ${operation} failed with ${exceptionName} on request.`;
  return new AwsServiceError(exceptionName, message);
}
