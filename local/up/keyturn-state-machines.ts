import { lambdaHandlers } from '../drill/lifecycle-drill';
import type { LocalStack } from '../stack';
import { LOCAL_COORDINATOR_FUNCTION_ARN, loadStateMachine, type StateMachineName } from '../stepfunctions/definitions';
import { localFunctionArn, localStateMachineArn } from '../stepfunctions/executions';
import type { LocalStateMachine } from '../stepfunctions/local-stepfunctions';
import type { LambdaHandler } from '../stepfunctions/runner';

/**
 * keyturn's state machines as the local Step Functions serves them: the `statemachines/*.asl.json`
 * an account runs, under names like the deployed ones, their placeholders filled with local function
 * ARNs whose handlers (the real coordinator, rotation, fleet and kms-key functions) run in process.
 */

/** The local state machines' names, by definition file. */
export const LOCAL_STATE_MACHINE_NAMES = {
  lifecycle: 'keyturn-lifecycle',
  emergency: 'keyturn-emergency',
  fleet: 'keyturn-fleet',
  'kms-key': 'keyturn-kms-key',
} as const satisfies Partial<Record<StateMachineName, string>>;

export type ServedStateMachine = keyof typeof LOCAL_STATE_MACHINE_NAMES;

const FLEET_SELECT_FUNCTION = localFunctionArn('keyturn-fleet-select');
const FLEET_SUMMARIZE_FUNCTION = localFunctionArn('keyturn-fleet-summarize');
const KMS_KEY_FUNCTION = localFunctionArn('keyturn-kms-key');

export interface KeyturnStateMachines {
  readonly stateMachines: LocalStateMachine[];
  /** Every function the definitions invoke, by ARN. */
  readonly lambdaHandlers: Record<string, LambdaHandler>;
}

/** Call once the stack has set the environment: the functions build their clients at import, as in Lambda. */
export async function keyturnStateMachines(stack: LocalStack): Promise<KeyturnStateMachines> {
  const fleet = await import('../../functions/fleet/handler');
  const kmsKey = await import('../../functions/kms-key/handler');
  const handlers: Record<string, LambdaHandler> = {
    ...(await lambdaHandlers(stack)),
    [FLEET_SELECT_FUNCTION]: fleet.selectHandler,
    [FLEET_SUMMARIZE_FUNCTION]: fleet.summarizeHandler,
    [KMS_KEY_FUNCTION]: kmsKey.handler,
  };
  const placeholders = {
    CoordinatorFunction: LOCAL_COORDINATOR_FUNCTION_ARN,
    SelectFleetFunction: FLEET_SELECT_FUNCTION,
    SummarizeFleetFunction: FLEET_SUMMARIZE_FUNCTION,
    LifecycleStateMachine: localStateMachineArn(LOCAL_STATE_MACHINE_NAMES.lifecycle),
    KmsKeyFunction: KMS_KEY_FUNCTION,
  };
  const machines = Object.entries(LOCAL_STATE_MACHINE_NAMES) as [ServedStateMachine, string][];
  return {
    stateMachines: machines.map(([file, name]) => ({ name, definition: loadStateMachine(file, placeholders) })),
    lambdaHandlers: handlers,
  };
}
