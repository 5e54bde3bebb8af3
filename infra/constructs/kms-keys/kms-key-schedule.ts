import type { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { z } from 'zod/mini';
import { parseKeyRunInput, type keyRunInputSchema } from '../../../functions/kms-key/run-input';
import { createStateMachineSchedule, type StateMachineScheduleOptions } from '../rotation-schedule';

/** What starts a kms-key run: the run input's schema (functions/kms-key/run-input.ts) is its one definition. */
export type KeyRunRequest = z.input<typeof keyRunInputSchema>;

/** Properties of a {@link KeyRotationSchedule}. */
export interface KeyRotationScheduleProps extends StateMachineScheduleOptions {
  /**
   * The execution input of every run it starts (`entryId`, `keyId`, `aliasName`, `alertTopicArn`, `settings`),
   * checked against the run input's schema at synthesis. Its `entryId` names the schedule.
   */
  readonly input: KeyRunRequest;
}

/** Thrown when a {@link KeyRotationSchedule} is given props it cannot work with; the message shows the bad value. */
export class KeyRotationScheduleError extends Error {
  override readonly name = 'KeyRotationScheduleError';

  constructor(scope: Construct, message: string) {
    super(`[${scope.node.path}] ${message}`);
  }
}

/**
 * The EventBridge Scheduler schedule that starts the kms-key state machine for one key of the policy, the way each
 * secret's lifecycle schedule starts the lifecycle: the entry's expression in UTC, a FLEXIBLE window, retries, then
 * the dead-letter queue. Named by the entry id in keyturn's schedule group (ids are unique across entries and keys).
 */
export class KeyRotationSchedule extends Construct {
  /** The schedule resource. */
  public readonly schedule: CfnSchedule;

  /** The expression as Scheduler takes it. */
  public readonly expression: string;

  constructor(scope: Construct, id: string, props: KeyRotationScheduleProps) {
    super(scope, id);
    const fail = (message: string): never => {
      throw new KeyRotationScheduleError(this, message);
    };
    try {
      // Tokens (the key's and topic's ARNs) are strings here: the shape and the literal values are what is checked.
      parseKeyRunInput(props.input);
    } catch (error) {
      fail((error as Error).message);
    }
    ({ schedule: this.schedule, expression: this.expression } = createStateMachineSchedule(
      this,
      {
        ...props,
        name: props.input.entryId,
        description: `keyturn: starts the rotation of KMS key ${props.input.entryId} (${props.expression})`,
      },
      fail,
    ));
  }
}
