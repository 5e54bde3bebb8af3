import { assertFaultName, FaultPlan, type PlannedFault } from '../http/fault-plan';
import { CloudTrailError } from './errors';
import type { CloudTrailOperationName } from './operations';

/**
 * Fault injection for the local CloudTrail: the next N LookupEvents calls fail as a whole with a
 * named exception (InternalFailure, HTTP 500, by default; ThrottlingException, HTTP 400, is
 * retried by the SDK like a real throttle). A failed call returns no events.
 */

export const DEFAULT_CLOUDTRAIL_FAULT = 'InternalFailure';

export type PendingCloudTrailFault = PlannedFault<CloudTrailOperationName, string>;

export interface CloudTrailFaultControl {
  /** The next `count` LookupEvents calls fail with `exceptionName` (default InternalFailure, HTTP 500). */
  failNext(count?: number, exceptionName?: string): void;
  pending(): PendingCloudTrailFault[];
  clear(): void;
}

export class CloudTrailFaults implements CloudTrailFaultControl {
  private readonly plan = new FaultPlan<CloudTrailOperationName, string>();

  failNext(count = 1, exceptionName: string = DEFAULT_CLOUDTRAIL_FAULT): void {
    assertFaultName(exceptionName, DEFAULT_CLOUDTRAIL_FAULT);
    this.plan.add('LookupEvents', count, exceptionName);
  }

  pending(): PendingCloudTrailFault[] {
    return this.plan.pending();
  }

  clear(): void {
    this.plan.clear();
  }

  /** Throws this call's planned fault, if there is one. */
  take(operation: CloudTrailOperationName): void {
    const exceptionName = this.plan.take(operation);
    if (exceptionName !== undefined) {
      throw new CloudTrailError(exceptionName, `Injected fault: ${operation} failed with ${exceptionName}.`);
    }
  }
}
