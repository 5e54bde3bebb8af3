import { AuditEventType, type RotationRun } from '../shared/lifecycle-contract';
import { versionWithStage, type SecretDescription } from '../shared/secret-store';
import { AWSCURRENT, AWSPENDING } from '../shared/stages';
import { auditSubject, resolveSecret, type TaskDeps } from './deps';
import { ReinstateFailedError, ReinstateRefusedError } from './errors';

export interface ReinstateInput {
  readonly secretArn: string;
  readonly rotation: RotationRun;
  /** The version whose credential revoke retired (pre-flight's currentVersionId). */
  readonly previousVersionId: string;
}

export interface ReinstateOutput {
  /** `reinstated`: this call made it work again; `already-working`: nothing to do; `not-supported`: the kind cannot. */
  readonly status: 'reinstated' | 'already-working' | 'not-supported';
  readonly detail: string;
}

/**
 * Refuses when bringing the old credential back could undo something newer: AWSCURRENT is no longer this run's
 * version (a rollback, a hand fix, a later rotation), or a rotation is under way (its setSecret may be giving the
 * old user of an alternating pair its next password).
 */
export function assertNothingMovedSince(description: SecretDescription, run: RotationRun): void {
  const current = versionWithStage(description, AWSCURRENT);
  if (current !== run.id) {
    throw new ReinstateRefusedError(
      `AWSCURRENT of secret ${description.arn} is version ${current ?? 'none'}, not this rotation's ${run.id}: ` +
        'something changed since; the old credential is not brought back',
    );
  }
  const pending = versionWithStage(description, AWSPENDING);
  if (pending !== undefined && pending !== current) {
    throw new ReinstateRefusedError(
      `secret ${description.arn} has a rotation under way (version ${pending} holds AWSPENDING): ` +
        'the old credential is not brought back',
    );
  }
}

/**
 * After a breach in the watch window following revoke: makes the old credential work again where its kind can (an
 * IAM key reactivated, the old user's previous password set again, the Redis user's old password added back),
 * never touching AWSCURRENT, so consumers still on the old value log in again while they are fixed. Kinds that
 * cannot (a single user's password is replaced in place; a provider's deleted key) report `not-supported`: the
 * alert alone. Idempotent: an old credential that already authenticates is `already-working`. Never in an
 * emergency: the old credential is the one suspected leaked.
 */
export async function reinstate(input: ReinstateInput, deps: TaskDeps): Promise<ReinstateOutput> {
  const { rotation: run } = input;
  if (run.emergency) {
    throw new ReinstateRefusedError(
      `emergency rotation ${run.id}: version ${input.previousVersionId} is suspected leaked and is never reinstated`,
    );
  }
  const { description, current, strategy, ctx } = await resolveSecret(deps, input.secretArn, run);
  assertNothingMovedSince(description, run);
  const previous = await deps.store.requireVersion(description.arn, { versionId: input.previousVersionId });
  let output: ReinstateOutput;
  if ((await strategy.verify(previous, ctx)).ok) {
    output = { status: 'already-working', detail: `the old credential (version ${previous.versionId}) authenticates` };
  } else if (strategy.reinstate === undefined) {
    output = {
      status: 'not-supported',
      detail: `a ${strategy.name} credential cannot be brought back once revoked: alert only`,
    };
  } else {
    await strategy.reinstate(previous, current, ctx);
    const verdict = await strategy.verify(previous, ctx);
    if (!verdict.ok) {
      throw new ReinstateFailedError(
        `the old credential of secret ${description.arn} (version ${previous.versionId}) still does not ` +
          `authenticate after reinstating it (${verdict.reason})`,
      );
    }
    output = {
      status: 'reinstated',
      detail: `the old credential (version ${previous.versionId}) authenticates again; AWSCURRENT stays on version ${current.versionId}`,
    };
  }
  // The old credential works (again): an event, also when an earlier attempt that crashed made the change. A kind
  // that cannot is told by the run's RotationFailed event and alert.
  if (output.status !== 'not-supported') {
    await deps.audit.record(auditSubject(run, description.arn, strategy.name), {
      type: AuditEventType.Reinstated,
      facts: {
        previousVersionId: previous.versionId,
        currentVersionId: current.versionId,
        status: output.status,
        detail: output.detail,
      },
    });
  }
  deps.logger.info('old credential reinstate', { status: output.status });
  return output;
}
