import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { LifecycleRequest } from '../functions/shared/lifecycle-contract';
import { statesEntered } from './executions/follow';
import { stopAdvice, type StopAdvice } from './executions/stop-advice';
import { CliError, isAwsError } from './output/errors';
import { describeSecret, listVersions, stuckPending, type StuckPending } from './secrets';

export interface CancelResult {
  readonly executionArn: string;
  /** Whether this call stopped it (false: it had already ended). */
  readonly stopped: boolean;
  readonly status: string;
  readonly secretArn?: string;
  /** The last state the run entered. */
  readonly lastState?: string;
  readonly advice: StopAdvice;
  /** An AWSPENDING left on a non-current version, read after the stop. */
  readonly stuckPending?: StuckPending;
}

export interface CancelDeps {
  readonly sfn: SFNClient;
  readonly secretsManager: SecretsManagerClient;
  /** Who cancels: recorded as the stop's cause. */
  readonly operator: string;
}

/** The last state entered, from the newest history events. */
async function lastStateOf(client: SFNClient, executionArn: string): Promise<string | undefined> {
  const page = await client.send(
    new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100, includeExecutionData: false }),
  );
  return statesEntered(page.events ?? [])[0]?.name;
}

/** Stops a lifecycle or emergency execution, and says where it stopped and what that leaves. */
export async function cancelExecution(deps: CancelDeps, executionArn: string): Promise<CancelResult> {
  let execution;
  try {
    execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (isAwsError(error, 'ExecutionDoesNotExist', 'InvalidArn'))
      throw new CliError(`execution ${executionArn} not found`);
    throw error;
  }
  let stopped = false;
  if (execution.status === 'RUNNING') {
    await deps.sfn.send(
      new StopExecutionCommand({
        executionArn,
        error: 'CancelledByOperator',
        cause: `cancelled by ${deps.operator} with keyturn cancel`,
      }),
    );
    stopped = true;
  }
  const after = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  const lastState = await lastStateOf(deps.sfn, executionArn);
  let request: Partial<LifecycleRequest> = {};
  try {
    request = JSON.parse(after.input ?? '{}') as Partial<LifecycleRequest>;
  } catch {
    // not a lifecycle input
  }
  const secretArn = typeof request.secretArn === 'string' ? request.secretArn : undefined;
  let pending: StuckPending | undefined;
  let secretName = secretArn ?? 'SECRET';
  if (secretArn !== undefined) {
    try {
      const secret = await describeSecret(deps.secretsManager, secretArn);
      secretName = secret.name;
      pending = stuckPending(secret, await listVersions(deps.secretsManager, secret.arn));
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
    }
  }
  return {
    executionArn,
    stopped,
    status: after.status ?? 'UNKNOWN',
    ...(secretArn === undefined ? {} : { secretArn }),
    ...(lastState === undefined ? {} : { lastState }),
    advice: stopAdvice(lastState, secretName),
    ...(pending === undefined ? {} : { stuckPending: pending }),
  };
}
