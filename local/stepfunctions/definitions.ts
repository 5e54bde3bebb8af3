import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AslPlaceholder, type AslPlaceholderName } from '../../functions/shared/lifecycle-contract';

/** keyturn's state machines, by file name in `statemachines/`. */
export type StateMachineName = 'lifecycle' | 'emergency' | 'fleet' | 'kms-key' | 'rewrap' | 'rewrap-start';

/** The ARNs local runs give the coordinator function (the runner maps them to the in-process handler). */
export const LOCAL_COORDINATOR_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-coordinator';

/**
 * A definition from `statemachines/`, its `${Placeholders}` filled as the CDK construct fills them
 * (function and state machine ARNs); the coordinator defaults to {@link LOCAL_COORDINATOR_FUNCTION_ARN}.
 * A placeholder left without a value fails the load.
 */
export function loadStateMachine(
  name: StateMachineName,
  values: Partial<Record<AslPlaceholderName, string>> = {},
): Record<string, unknown> {
  const source = readFileSync(join(__dirname, '../../statemachines', `${name}.asl.json`), 'utf8');
  const all: Partial<Record<string, string>> = {
    [AslPlaceholder.CoordinatorFunction]: LOCAL_COORDINATOR_FUNCTION_ARN,
    ...values,
  };
  const filled = source.replace(/\$\{(\w+)\}/g, (match, placeholder: string) => {
    const value = all[placeholder];
    if (value === undefined) throw new Error(`${name}.asl.json: no value for placeholder ${match}`);
    return value;
  });
  return JSON.parse(filled) as Record<string, unknown>;
}
