import type { RefreshOutcome } from './ecs-refresh';

/**
 * Refreshing a consumer's Lambda function: its configuration is touched (one environment variable set to the
 * rotated version id, merged into the function's own variables), so new invocations start new execution
 * environments, which read the secret afresh. UpdateFunctionConfiguration replaces the whole variable map, so the
 * update names the RevisionId it read: a change by anyone in between makes it fail (PreconditionFailedException)
 * and the refresh reads again instead of dropping that change. Idempotent: a function whose variable already holds
 * the version is left alone (a retry after a crash).
 */

/** The function's configuration as the refresh needs it. Its variables are never logged or returned. */
export interface LambdaFunctionState {
  readonly revisionId: string;
  readonly variables: Readonly<Record<string, string>>;
  /** Lambda could not decrypt the variables for the caller (Environment.Error): they must not be overwritten. */
  readonly environmentError?: string;
  /** `InProgress` while an earlier update is applied: another update fails with ResourceConflictException. */
  readonly lastUpdateStatus?: string;
}

export interface LambdaFunctionApi {
  getConfiguration(functionName: string): Promise<LambdaFunctionState>;
  /** UpdateFunctionConfiguration with these variables, only if the function is still at `revisionId`. */
  updateVariables(
    functionName: string,
    variables: Readonly<Record<string, string>>,
    revisionId: string,
  ): Promise<{ readonly revisionId?: string }>;
}

export interface LambdaRefreshOptions {
  /** Reads and updates before giving up on a function that keeps changing or updating. @default 4 */
  readonly attempts?: number;
  /** Wait between attempts while an update is in progress. @default 2000 */
  readonly waitMs?: number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Errors worth reading again: someone else changed the function, or an update is still being applied. */
const TRY_AGAIN = new Set(['PreconditionFailedException', 'ResourceConflictException']);

/**
 * What Lambda's errors mean here. Lambda's own messages are not passed on: some quote the environment they
 * measured (the 4 KB limit), which may hold the function's own secrets.
 */
const MEANING: Readonly<Record<string, string>> = {
  ResourceNotFoundException: 'the function does not exist',
  InvalidParameterValueException: 'Lambda refused the new configuration (environment over 4 KB, or invalid)',
  AccessDeniedException: "keyturn's coordinator may not read or update this function",
  TooManyRequestsException: 'Lambda throttled the update',
  PreconditionFailedException: 'the function kept changing while it was being refreshed',
  ResourceConflictException: 'an earlier update of the function was still being applied',
};

/** Sets `variable` to `versionId` on the function, keeping every other variable. Never throws. */
export async function refreshLambdaFunction(
  api: LambdaFunctionApi,
  functionName: string,
  variable: string,
  versionId: string,
  options: LambdaRefreshOptions,
): Promise<RefreshOutcome> {
  const where = `Lambda function ${functionName}`;
  const attempts = options.attempts ?? 4;
  let lastError = 'Unknown';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await options.sleep(options.waitMs ?? 2000);
    try {
      const state = await api.getConfiguration(functionName);
      if (state.environmentError !== undefined) {
        return {
          outcome: 'failed',
          error: 'EnvironmentNotReadable',
          detail: `${where}: Lambda could not decrypt its environment variables for keyturn (${state.environmentError}); they were not overwritten`,
        };
      }
      if (state.variables[variable] === versionId) {
        return { outcome: 'already-refreshed', detail: `${where}: ${variable} already names version ${versionId}` };
      }
      if (state.lastUpdateStatus === 'InProgress') {
        lastError = 'ResourceConflictException';
        continue;
      }
      const updated = await api.updateVariables(
        functionName,
        { ...state.variables, [variable]: versionId },
        state.revisionId,
      );
      return {
        outcome: 'refreshed',
        detail: `${where}: ${variable} set to version ${versionId} (revision ${updated.revisionId ?? 'not reported'})`,
      };
    } catch (error) {
      lastError = error instanceof Error ? error.name : 'Error';
      if (!TRY_AGAIN.has(lastError)) break;
    }
  }
  return { outcome: 'failed', error: lastError, detail: `${where}: ${MEANING[lastError] ?? 'the update failed'}` };
}
