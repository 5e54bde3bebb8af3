import type { AwsQueryError } from '../http/aws-query-server';
import type { PlannedFault } from '../http/fault-plan';
import { QueryFaults, type QueryFaultControl } from '../http/query-faults';
import { IamError } from './errors';
import { isIamOperationName, type IamOperationName } from './iam-operations';
import { isStsOperationName, type StsOperationName } from './sts-operations';

/**
 * Fault injection for the local IAM and STS (see local/http/query-faults.ts), one control for
 * both: an IAM action fails by default with ServiceFailure (HTTP 500), an STS action with
 * InternalFailure (HTTP 500); any code may be chosen (Throttling, AccessDenied, ...). Faults are
 * taken after the signature is verified, so the call still counts as a use of its key.
 */

export type IamStsOperationName = IamOperationName | StsOperationName;
export type PendingIamFault = PlannedFault<IamStsOperationName, string>;
export type IamFaultControl = QueryFaultControl<IamStsOperationName>;

export const DEFAULT_IAM_FAULT = 'ServiceFailure';
export const DEFAULT_STS_FAULT = 'InternalFailure';

export function isIamStsOperationName(name: string): name is IamStsOperationName {
  return isIamOperationName(name) || isStsOperationName(name);
}

export class IamFaults implements IamFaultControl {
  private readonly iam = new QueryFaults<IamOperationName>({
    serviceName: 'IAM',
    iamPrefix: 'iam',
    defaultCode: DEFAULT_IAM_FAULT,
    isOperationName: isIamOperationName,
    error: (code, message) => new IamError(code, message),
  });
  private readonly sts = new QueryFaults<StsOperationName>({
    serviceName: 'STS',
    iamPrefix: 'sts',
    defaultCode: DEFAULT_STS_FAULT,
    isOperationName: isStsOperationName,
    error: (code, message) => new IamError(code, message),
  });

  failNext(operation: IamStsOperationName, count?: number, code?: string): void {
    if (isIamOperationName(operation)) this.iam.failNext(operation, count, code);
    else if (isStsOperationName(operation)) this.sts.failNext(operation, count, code);
    else throw new RangeError(`unknown IAM or STS operation: ${String(operation)}`);
  }

  pending(): PendingIamFault[] {
    return [...this.iam.pending(), ...this.sts.pending()];
  }

  clear(): void {
    this.iam.clear();
    this.sts.clear();
  }

  takeIam(operation: IamOperationName): AwsQueryError | undefined {
    return this.iam.take(operation);
  }

  takeSts(operation: StsOperationName): AwsQueryError | undefined {
    return this.sts.take(operation);
  }
}
