import { PendingCredentialRejectedError, PrivilegeParityError, ProbeFailedError } from './errors';
import type { VerifyFailure, VerifyResult } from './strategy';

/** The named error for each way a pending credential can fail testSecret. */
const TEST_SECRET_ERRORS: Record<VerifyFailure, new (message: string) => Error> = {
  rejected: PendingCredentialRejectedError,
  privileges: PrivilegeParityError,
  probe: ProbeFailedError,
};

/** testSecret's verdict: returns when the pending credential passed, else throws the failure's named error. */
export function requirePendingVerified(result: VerifyResult): void {
  if (result.ok) return;
  throw new TEST_SECRET_ERRORS[result.failure](`pending credential does not work: ${result.reason}`);
}

export function rejected(reason: string): VerifyResult {
  return { ok: false, failure: 'rejected', reason };
}
