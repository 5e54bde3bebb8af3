import { type CfnSchedule, ContextAttribute, type IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ResolvedRewrapJob } from '../../policy/rewrap-jobs';
import type { RotatedKey } from '../kms-keys/rotated-keys';
import { createStateMachineSchedule, windowDuration } from '../rotation-schedule';
import { jobNamePrefix, type StarterInput, starterJobs } from './rewrap-start-input';

/**
 * Scheduler's context attribute for the time a schedule's invocation was due (the same on every retry of it), filled
 * into the input when it invokes the target. It is the change a scheduled start names: one execution per tick.
 */
export const SCHEDULED_TIME = ContextAttribute.scheduledTime;

/** The `trigger` of a scheduled start. */
export const SCHEDULE_TRIGGER = 'schedule';

/** Thrown when a job's schedule cannot be built; the message shows the bad value. */
export class RewrapScheduleError extends Error {
  override readonly name = 'RewrapScheduleError';

  constructor(scope: Construct, message: string) {
    super(`[${scope.node.path}] ${message}`);
  }
}

/** Properties of a {@link RewrapSchedule}. */
export interface RewrapScheduleProps {
  readonly key: RotatedKey;
  /** The job, with a `schedule`. */
  readonly job: ResolvedRewrapJob;
  readonly starter: sfn.IStateMachine;
  /** May start the starter and write to the dead-letter queue, nothing else. */
  readonly role: iam.IRole;
  readonly deadLetterQueue: sqs.IQueue;
  readonly group: IScheduleGroup;
}

/**
 * An operator's schedule of one re-wrap job: EventBridge Scheduler starts the starter with that job and the tick's
 * scheduled time as the change, so a retried delivery of a tick starts no twin, and each tick a new execution. Named
 * `rewrap-<job name>` in keyturn's schedule group.
 */
export class RewrapSchedule extends Construct {
  public readonly schedule: CfnSchedule;

  constructor(scope: Construct, id: string, props: RewrapScheduleProps) {
    super(scope, id);
    const fail = (message: string): never => {
      throw new RewrapScheduleError(this, message);
    };
    const when = props.job.schedule ?? fail(`the job on table "${props.job.tableName}" has no schedule`);
    const name = jobNamePrefix(props.key.entry.id, props.job);
    const input: StarterInput = {
      entryId: props.key.entry.id,
      trigger: SCHEDULE_TRIGGER,
      identity: SCHEDULED_TIME,
      jobs: starterJobs({ ...props.key, entry: { ...props.key.entry, rewrap: [props.job] } }),
    };
    ({ schedule: this.schedule } = createStateMachineSchedule(
      this,
      {
        name: `rewrap-${name}`,
        description: `keyturn: re-wraps table ${props.job.tableName} under KMS key ${props.key.entry.id} (${when.expression})`,
        input,
        expression: when.expression,
        window: windowDuration(when.window),
        stateMachine: props.starter,
        role: props.role,
        deadLetterQueue: props.deadLetterQueue,
        group: props.group,
      },
      fail,
    ));
  }
}
