import type { PlannedFault } from '../http/fault-plan';
import { QueryFaults, type QueryFaultControl } from '../http/query-faults';
import { SnsError } from './errors';
import { isOperationName, type OperationName } from './requests';

/** Fault injection for the local SNS (see local/http/query-faults.ts). */

export const DEFAULT_SNS_FAULT = 'InternalError';

export type PendingSnsFault = PlannedFault<OperationName, string>;

export type SnsFaultControl = QueryFaultControl<OperationName>;

export class SnsFaults extends QueryFaults<OperationName> {
  constructor() {
    super({
      serviceName: 'SNS',
      iamPrefix: 'sns',
      defaultCode: DEFAULT_SNS_FAULT,
      isOperationName,
      error: (errorCode, message) => new SnsError(errorCode, message),
    });
  }
}
