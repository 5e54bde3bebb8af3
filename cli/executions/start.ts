import { randomUUID } from 'node:crypto';
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { LifecycleRequest } from '../../functions/shared/lifecycle-contract';

/**
 * Starts a lifecycle or emergency execution. The name says who started it and why (Step Functions
 * execution names are 1-80 of letters, digits, - and _); the input is the lifecycle contract's request.
 */
export async function startRun(
  client: SFNClient,
  stateMachineArn: string,
  request: LifecycleRequest,
): Promise<{ executionArn: string; startDate: Date }> {
  const prefix = request.dryRun === true ? 'cli-dry-run' : `cli-${request.trigger}`;
  const out = await client.send(
    new StartExecutionCommand({
      stateMachineArn,
      name: `${prefix}-${randomUUID()}`.slice(0, 80),
      input: JSON.stringify(request),
    }),
  );
  if (out.executionArn === undefined) throw new Error('StartExecution returned no executionArn');
  return { executionArn: out.executionArn, startDate: out.startDate ?? new Date() };
}
