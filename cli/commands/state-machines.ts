import type { StateMachineRef } from '../executions/runs';
import { StackOutput, type StackOutputs } from '../stack-outputs';

/** The state machines whose executions rotate one secret: the lifecycle (required) and the emergency one. */
export function rotationStateMachines(outputs: StackOutputs): StateMachineRef[] {
  const emergency = outputs.optional(StackOutput.Emergency);
  return [
    { arn: outputs.require(StackOutput.Lifecycle), kind: 'lifecycle' },
    ...(emergency === undefined ? [] : [{ arn: emergency, kind: 'emergency' as const }]),
  ];
}
