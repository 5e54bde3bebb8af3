import { randomUUID } from 'node:crypto';
import type { RotationRun } from '../shared/lifecycle-contract';
import { ManagementTag } from '../shared/management-tags';
import type { CoordinatorDeps } from './coordinator-deps';
import { InvalidRequestError, NotRotatableError } from './errors';
import { parseLifecycleRequest } from './input';

export interface BeginInput {
  /** The execution's input (`$$.Execution.Input`). */
  readonly request: unknown;
  readonly executionArn: string;
  readonly startedAt: string;
  /** Set by the emergency state machine: a suspected leak. */
  readonly emergency: boolean;
}

/**
 * Opens a run: validates the request, checks the secret is one keyturn manages and has a
 * rotation function (which runs the tasks that reach the secret's target), and draws the
 * rotation id. Changes nothing, so a failure here leaves nothing to undo.
 */
export async function begin(input: BeginInput, deps: CoordinatorDeps): Promise<RotationRun> {
  const request = parseLifecycleRequest(input.request);
  if (input.emergency && request.reason === undefined) {
    throw new InvalidRequestError('an emergency rotation needs a reason (what is suspected leaked, a ticket)');
  }
  if (!input.emergency && request.trigger === 'emergency') {
    throw new InvalidRequestError(
      'trigger "emergency" belongs to the emergency state machine: start that one for a suspected leak',
    );
  }
  const description = await deps.store.describe(request.secretArn);
  if (description.tags[ManagementTag.managed] !== 'true') {
    throw new NotRotatableError(
      `secret ${description.arn} is not managed by keyturn (no ${ManagementTag.managed}=true tag)`,
    );
  }
  if (description.rotationLambdaArn === undefined) {
    throw new NotRotatableError(`secret ${description.arn} has no rotation function configured`);
  }
  const entryId = request.entryId ?? description.tags[ManagementTag.entry];
  const run: RotationRun = {
    id: (deps.newRotationId ?? randomUUID)(),
    executionArn: input.executionArn,
    startedAt: input.startedAt,
    trigger: input.emergency ? 'emergency' : request.trigger,
    emergency: input.emergency,
    functionArn: description.rotationLambdaArn,
    ...(entryId !== undefined ? { entryId } : {}),
    ...(request.scheduledTime !== undefined ? { scheduledTime: request.scheduledTime } : {}),
    ...(request.alertTopicArn !== undefined ? { alertTopicArn: request.alertTopicArn } : {}),
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
    ...(request.fleetExecutionArn !== undefined ? { fleetExecutionArn: request.fleetExecutionArn } : {}),
    drainWaited: { seconds: 0 },
    ...(request.dryRun === true ? { dryRun: true } : {}),
  };
  deps.logger.info('rotation run opened', {
    rotationId: run.id,
    trigger: run.trigger,
    secretArn: description.arn,
    dryRun: run.dryRun === true,
  });
  return run;
}
