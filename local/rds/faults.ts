import type { PlannedFault } from '../http/fault-plan';
import { QueryFaults, type QueryFaultControl } from '../http/query-faults';
import { RdsError } from './errors';
import { isOperationName, type OperationName } from './requests';

/** Fault injection for the local RDS (see local/http/query-faults.ts). */

export const DEFAULT_RDS_FAULT = 'InternalFailure';

export type PendingRdsFault = PlannedFault<OperationName, string>;

export type RdsFaultControl = QueryFaultControl<OperationName>;

export class RdsFaults extends QueryFaults<OperationName> {
  constructor() {
    super({
      serviceName: 'RDS',
      iamPrefix: 'rds',
      defaultCode: DEFAULT_RDS_FAULT,
      isOperationName,
      error: (errorCode, message) => new RdsError(errorCode, message),
    });
  }
}
