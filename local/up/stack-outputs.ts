import type { StackDefinition } from '../cloudformation';
import { LOCAL_AUDIT_LOG_GROUP_NAME } from '../stack';
import { localStateMachineArn } from '../stepfunctions/executions';
import { LOCAL_STATE_MACHINE_NAMES } from './keyturn-state-machines';

/**
 * The local `Keyturn` stack as DescribeStacks shows it: the outputs infra/stacks/keyturn-stack.ts
 * declares for its state machines and audit log group, same keys, pointing at the local state machines
 * and the local audit log group, so a tool finds them as it does in an account.
 */
/** infra/keyturn-app.ts's KEYTURN_STACK_NAME (not imported: that module loads the whole CDK). */
export const LOCAL_KEYTURN_STACK_NAME = 'Keyturn';

export function keyturnStackOutputs(): StackDefinition {
  const start = (what: string) =>
    `keyturn: start a rotation of ${what} with aws stepfunctions start-execution --state-machine-arn <this>`;
  return {
    name: LOCAL_KEYTURN_STACK_NAME,
    description: 'keyturn: automated, observable, zero-downtime secret rotation (core), local',
    outputs: [
      {
        key: 'LifecycleStateMachineArn',
        value: localStateMachineArn(LOCAL_STATE_MACHINE_NAMES.lifecycle),
        description: start('one secret, on demand'),
      },
      {
        key: 'EmergencyStateMachineArn',
        value: localStateMachineArn(LOCAL_STATE_MACHINE_NAMES.emergency),
        description: start('a suspected leak'),
      },
      {
        key: 'FleetStateMachineArn',
        value: localStateMachineArn(LOCAL_STATE_MACHINE_NAMES.fleet),
        description: start('many secrets'),
      },
      {
        key: 'KmsKeyStateMachineArn',
        value: localStateMachineArn(LOCAL_STATE_MACHINE_NAMES['kms-key']),
        description: start('one KMS key'),
      },
      {
        key: 'AuditLogGroupName',
        value: LOCAL_AUDIT_LOG_GROUP_NAME,
        description: 'keyturn: the rotation audit log (keyturn status and history read it)',
      },
    ],
  };
}
