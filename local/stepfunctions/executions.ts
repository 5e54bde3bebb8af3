import { randomUUID } from 'node:crypto';

/**
 * Names and ARNs of local state machines and executions, shaped like AWS's so that definitions
 * reading `$$.Execution.Id` or `$$.StateMachine.Id` see what they would see in an account.
 */

/** Region and account of the ARNs the runner makes up (the local stack's, see local/stack.ts). */
export const LOCAL_STATES_LOCATION = { region: 'us-east-1', accountId: '123456789012' } as const;

/** The state machine name used when a run names none. */
export const DEFAULT_STATE_MACHINE_NAME = 'local';

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([^:]+)$/;

export interface StateMachineIdentity {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
}

/** A state machine named by ARN keeps its ARN; a bare name gets the local region and account. */
export function stateMachineIdentity(arnOrName: string): StateMachineIdentity {
  const match = STATE_MACHINE_ARN.exec(arnOrName);
  if (match?.[1] && match[2] && match[3]) {
    return { arn: arnOrName, region: match[1], accountId: match[2], name: match[3] };
  }
  const { region, accountId } = LOCAL_STATES_LOCATION;
  return { arn: `arn:aws:states:${region}:${accountId}:stateMachine:${arnOrName}`, name: arnOrName, region, accountId };
}

/** `arn:aws:states:<region>:<account>:execution:<stateMachine>:<name>`, as StartExecution returns it. */
export function executionArnOf(stateMachine: StateMachineIdentity, executionName: string): string {
  const prefix = stateMachine.arn.slice(0, stateMachine.arn.indexOf(':stateMachine:'));
  return `${prefix}:execution:${stateMachine.name}:${executionName}`;
}

/** StartExecution's default name: a random UUID. */
export function newExecutionName(): string {
  return randomUUID();
}

/** AWS's rules for execution names: 1 to 80 characters, none of whitespace, brackets, wildcards or `"#%\^|~`$&,;:/`. */
export function isValidExecutionName(name: string): boolean {
  // Control characters are refused too (U+0000-001F, U+007F-009F).
  // eslint-disable-next-line no-control-regex
  return name.length >= 1 && name.length <= 80 && !/[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(name);
}

/** A state machine ARN in the local region and account. */
export function localStateMachineArn(name: string): string {
  return stateMachineIdentity(name).arn;
}

/** A Lambda function ARN in the local region and account. */
export function localFunctionArn(name: string): string {
  const { region, accountId } = LOCAL_STATES_LOCATION;
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}
