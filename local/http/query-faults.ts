import { assertFaultName, FaultPlan, type PlannedFault } from './fault-plan';
import type { AwsQueryError } from './aws-query-server';

/** What a test may do with an awsQuery emulator's faults. */
export interface QueryFaultControl<Operation extends string> {
  /** The next `count` calls of `operation` fail with error code `code` (default: the service's internal error). */
  failNext(operation: Operation, count?: number, code?: string): void;
  pending(): PlannedFault<Operation, string>[];
  clear(): void;
}

/** How one awsQuery service names its operations, its internal error and its errors. */
export interface QueryFaultService<Operation extends string> {
  /** For messages: SNS, RDS, ElastiCache. */
  readonly serviceName: string;
  /** IAM's action prefix, for an injected AccessDenied: sns, rds, elasticache. */
  readonly iamPrefix: string;
  readonly defaultCode: string;
  readonly isOperationName: (name: string) => name is Operation;
  readonly error: (code: string, message: string) => AwsQueryError;
}

/**
 * Fault injection for the awsQuery emulators: the next N calls of an operation fail with a chosen
 * error code before they touch the model (the internal error: HTTP 500, retried by the SDK;
 * throttling codes: retried; AccessDenied: HTTP 403, worded as IAM words it).
 */
export class QueryFaults<Operation extends string> implements QueryFaultControl<Operation> {
  private readonly plan = new FaultPlan<Operation, string>();

  constructor(private readonly service: QueryFaultService<Operation>) {}

  failNext(operation: Operation, count = 1, code: string = this.service.defaultCode): void {
    if (!this.service.isOperationName(operation)) {
      throw new RangeError(`unknown ${this.service.serviceName} operation: ${String(operation)}`);
    }
    assertFaultName(code, this.service.defaultCode);
    this.plan.add(operation, count, code);
  }

  pending(): PlannedFault<Operation, string>[] {
    return this.plan.pending();
  }

  clear(): void {
    this.plan.clear();
  }

  /** Consumes one planned failure for this call, if any, and returns the error to answer with. */
  take(operation: Operation): AwsQueryError | undefined {
    const code = this.plan.take(operation);
    if (code === undefined) return undefined;
    const message =
      code === 'AccessDenied'
        ? `User: arn:aws:sts::123456789012:assumed-role/keyturn/local is not authorized to perform: ${this.service.iamPrefix}:${operation}`
        : `Injected fault: ${operation} failed with ${code}.`;
    return this.service.error(code, message);
  }
}
