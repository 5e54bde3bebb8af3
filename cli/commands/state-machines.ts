import type { CommandContext } from '../context';
import type { StateMachineRef } from '../executions/runs';
import type { SecretRecordsDeps } from '../secret-records';
import { StackOutput, type StackOutputs } from '../stack-outputs';

/** The state machines whose executions rotate one secret: the lifecycle (required) and the emergency one. */
export function rotationStateMachines(outputs: StackOutputs): StateMachineRef[] {
  const emergency = outputs.optional(StackOutput.Emergency);
  return [
    { arn: outputs.require(StackOutput.Lifecycle), kind: 'lifecycle' },
    ...(emergency === undefined ? [] : [{ arn: emergency, kind: 'emergency' as const }]),
  ];
}

/** What `status` and `history` read a secret's record with: the clients, the state machines and the audit log. */
export async function secretRecordsDeps(ctx: CommandContext, scan: number): Promise<SecretRecordsDeps> {
  const outputs = await ctx.stackOutputs();
  const logGroup = outputs.optional(StackOutput.AuditLogGroup);
  return {
    secretsManager: ctx.aws.secretsManager,
    sfn: ctx.aws.sfn,
    logs: ctx.aws.logs,
    stateMachines: rotationStateMachines(outputs),
    scan,
    ...(logGroup === undefined ? {} : { auditLogGroupName: logGroup }),
  };
}
