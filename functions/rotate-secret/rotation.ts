import type { Logger } from '@aws-lambda-powertools/logger';
import { canaryVersionId } from '../shared/canary';
import { invocationDeadline, type Deadline } from '../shared/deadline';
import { describeError } from '../shared/errors';
import { ROTATION_FAILURE_TAG } from '../shared/rotation-failure';
import type { SecretDescription, SecretStore, SecretVersion } from '../shared/secret-store';
import { versionWithStage } from '../shared/secret-store';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../shared/stages';
import { assertRotatableByKeyturn } from '../strategies/database/rds-managed';
import { selectStrategy, type StrategyRegistry } from '../strategies/registry';
import type { RotationStrategy, RotationVersions, StrategyContext } from '../strategies/strategy';
import { RotationNotEnabledError, UnknownRotationTokenError, VersionNotPendingError } from './errors';
import type { RotationEvent } from './event';
import { awaitReplicasHoldingPending } from './replica-wait';

export interface RotationStepDeps {
  readonly store: SecretStore;
  readonly strategies: StrategyRegistry;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** When this invocation must have answered. @default the rotation function's timeout from now */
  readonly deadline?: Deadline;
  /** How waits sleep (finishSecret's wait for replicas). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What a step did, for metrics and the step's log line. */
export interface StepOutcome {
  readonly strategy?: string;
  /** The token already held AWSCURRENT: an earlier attempt finished the rotation. */
  readonly alreadyCurrent: boolean;
  /** createSecret stored a new pending value (false when an earlier attempt had). */
  readonly rotationStarted?: boolean;
  /** finishSecret moved AWSCURRENT: milliseconds since the pending version was created. */
  readonly rotationCompletedAfterMs?: number;
}

/**
 * One step of Secrets Manager's rotation contract (DESIGN.md). Every step re-reads the
 * secret and is safe to repeat after a crash at any point; `onPendingConfirmed` learns that the
 * token is a rotation of a secret keyturn may rotate (a failure after it is this rotation's, and
 * worth recording), and `onStrategy` learns the
 * strategy as soon as it is known, so a failing step is still attributed to it.
 */
export async function runRotationStep(
  event: RotationEvent,
  deps: RotationStepDeps,
  onStrategy: (strategy: RotationStrategy) => void = () => undefined,
  onPendingConfirmed: () => void = () => undefined,
): Promise<StepOutcome> {
  const { store, logger } = deps;
  const token = event.ClientRequestToken;
  const description = await store.describe(event.SecretId);
  const arn = description.arn;
  logger.appendKeys({ secretArn: arn });
  // A secret RDS (or another service) manages is rotated by that service: refused at every step,
  // before anything is read or written (RdsManagedSecretError / ServiceManagedSecretError).
  assertRotatableByKeyturn(description);

  if (!description.rotationEnabled) {
    throw new RotationNotEnabledError(`rotation is not enabled for secret ${arn}`);
  }
  const tokenStages = description.versionStages[token];
  if (!tokenStages) {
    throw new UnknownRotationTokenError(`rotation token ${token} is not a version of secret ${arn}`);
  }
  if (tokenStages.includes(AWSCURRENT)) {
    // Finished by an earlier attempt; only a leftover AWSPENDING label may remain to tidy.
    if (event.Step === 'finishSecret' && tokenStages.includes(AWSPENDING)) {
      await store.removeStage(arn, AWSPENDING, token);
    }
    logger.info('version is already AWSCURRENT: nothing to do');
    return { alreadyCurrent: true };
  }
  if (!tokenStages.includes(AWSPENDING)) {
    throw new VersionNotPendingError(`version ${token} of secret ${arn} is not AWSPENDING: it is not being rotated`);
  }
  // A rotation keyturn runs: a failure from here on is this rotation's (rotation-failure.ts records it).
  onPendingConfirmed();

  const current = await store.requireVersion(arn, { stage: AWSCURRENT });
  const strategy = selectStrategy(deps.strategies, description.tags, current.value);
  onStrategy(strategy);
  logger.appendKeys({ strategy: strategy.name });
  const ctx: StrategyContext = {
    secretArn: arn,
    token,
    tags: description.tags,
    store,
    logger,
    deadline: deps.deadline ?? invocationDeadline(),
  };

  switch (event.Step) {
    case 'createSecret': {
      const existing = await store.getVersion(arn, { versionId: token, stage: AWSPENDING });
      if (existing) {
        logger.info('pending value exists: kept');
        return { strategy: strategy.name, alreadyCurrent: false, rotationStarted: false };
      }
      // A canary held this rotation's candidate (docs/canary.md): the value its cohort proved is the one promoted.
      const canaried = await heldCanaryValue(store, description, token);
      if (canaried !== undefined) {
        await store.putPendingValue(arn, token, canaried.value);
        logger.info('pending value taken from the canary candidate', { candidateVersionId: canaried.versionId });
        return { strategy: strategy.name, alreadyCurrent: false, rotationStarted: true };
      }
      if (strategy.issuePendingValue) {
        // The target issues the value and shows it once: the strategy stores it the moment it has it.
        const stored = await strategy.issuePendingValue(current, ctx, {
          store: (value) => store.putPendingValue(arn, token, value),
          stored: async () => (await store.getVersion(arn, { versionId: token, stage: AWSPENDING }))?.value,
        });
        logger.info(
          stored
            ? 'pending value issued by the target and stored'
            : 'pending value stored by a concurrent attempt: kept',
        );
        return { strategy: strategy.name, alreadyCurrent: false, rotationStarted: stored };
      }
      await store.putPendingValue(arn, token, await strategy.createPendingValue(current, ctx));
      logger.info('pending value created');
      return { strategy: strategy.name, alreadyCurrent: false, rotationStarted: true };
    }
    case 'setSecret':
      await strategy.setSecret(await rotationVersions(store, arn, token, current), ctx);
      logger.info('pending value applied to the target');
      return { strategy: strategy.name, alreadyCurrent: false };
    case 'testSecret':
      await strategy.testSecret(await rotationVersions(store, arn, token, current), ctx);
      logger.info('pending value works against the target');
      return { strategy: strategy.name, alreadyCurrent: false };
    case 'finishSecret': {
      const pending = await store.requireVersion(arn, { versionId: token, stage: AWSPENDING });
      // A replicated secret: every region must hold the new version before any region can be told to use it.
      await awaitReplicasHoldingPending(store, description, token, {
        deadline: ctx.deadline,
        logger,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
      });
      await store.promoteToCurrent(arn, token, versionWithStage(description, AWSCURRENT));
      await store.removeStage(arn, AWSPENDING, token);
      logger.info('pending version is now AWSCURRENT');
      await clearFailureRecord(store, description, logger);
      const now = deps.now?.() ?? new Date();
      return {
        strategy: strategy.name,
        alreadyCurrent: false,
        rotationCompletedAfterMs: pending.createdAt
          ? Math.max(0, now.getTime() - pending.createdAt.getTime())
          : undefined,
      };
    }
  }
}

/** A rotation finished: an earlier attempt's failure record (rotation-failure.ts) no longer applies. */
async function clearFailureRecord(store: SecretStore, description: SecretDescription, logger: Logger): Promise<void> {
  if (description.tags[ROTATION_FAILURE_TAG] === undefined) return;
  await store.untag(description.arn, ROTATION_FAILURE_TAG).catch((error: unknown) => {
    logger.warn('could not clear the record of an earlier failed step', { reason: describeError(error) });
  });
}

/**
 * The secret's versions other than `known`, newest first, each value read only when the caller
 * asks for the next one: most searches stop at the first or second.
 */
async function* unlabelledVersions(
  store: SecretStore,
  arn: string,
  known: readonly (string | undefined)[],
): AsyncGenerator<SecretVersion> {
  const skip = new Set(known);
  for (const summary of await store.listVersions(arn)) {
    if (skip.has(summary.versionId)) continue;
    const version = await store.getVersion(arn, { versionId: summary.versionId });
    if (version) yield version;
  }
}

/**
 * The canary candidate of rotation `token` (its id derived from the token), while it still carries a label: the
 * hold passed and the lifecycle called RotateSecret with the same rotation id. An aborted canary's candidate has
 * no label left, so it is never promoted.
 */
async function heldCanaryValue(
  store: SecretStore,
  description: SecretDescription,
  token: string,
): Promise<SecretVersion | undefined> {
  const candidateId = canaryVersionId(token);
  const labels = description.versionStages[candidateId] ?? [];
  if (labels.length === 0) return undefined;
  return store.getVersion(description.arn, { versionId: candidateId });
}

async function rotationVersions(
  store: SecretStore,
  arn: string,
  token: string,
  current: SecretVersion,
): Promise<RotationVersions> {
  const pending = await store.requireVersion(arn, { versionId: token, stage: AWSPENDING });
  return buildRotationVersions(store, arn, pending, current);
}

/** The versions a step works with, `pending` given (the AWSPENDING version, or a canary candidate). */
export async function buildRotationVersions(
  store: SecretStore,
  arn: string,
  pending: SecretVersion,
  current: SecretVersion,
): Promise<RotationVersions> {
  const previous = await store.getVersion(arn, { stage: AWSPREVIOUS });
  return {
    pending,
    current,
    previous,
    older: () => unlabelledVersions(store, arn, [pending.versionId, current.versionId, previous?.versionId]),
  };
}
