import { canaryRefusal, canaryVersionId } from '../shared/canary';
import type { CanarySettings, RotationRun } from '../shared/lifecycle-contract';
import type { SecretDescription, SecretStore } from '../shared/secret-store';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../shared/stages';
import type { StrategyName } from '../strategies/strategy';
import { CanaryNotSupportedError } from './errors';
import { readCanarySettings } from './settings';

/** What the canary tasks share about one run's candidate (docs/canary.md). */
export interface CanaryCandidate {
  readonly settings: CanarySettings;
  /** Derived from the rotation id (shared/canary.ts): every attempt and RotateSecret's createSecret find it. */
  readonly versionId: string;
}

/**
 * The run's canary: its settings from the secret's tags and its candidate's version id. Refuses (changing nothing)
 * an emergency run, a secret without a canary window, and a kind that cannot canary: tags can be edited after
 * the policy's synth-time check.
 */
export function canaryCandidateOf(
  run: RotationRun,
  description: SecretDescription,
  strategy: StrategyName,
): CanaryCandidate {
  if (run.emergency) {
    throw new CanaryNotSupportedError(
      `emergency rotation ${run.id} skips the canary: the current value is suspected leaked`,
    );
  }
  const settings = readCanarySettings(description.tags);
  if (settings === undefined) {
    throw new CanaryNotSupportedError(`secret ${description.arn} has no canary window: it has no canary to run`);
  }
  assertKindCanCanary(strategy, description.arn, run.entryId);
  return { settings, versionId: canaryVersionId(run.id) };
}

/** Refuses a canary for a kind that cannot have one, naming the entry and why. */
export function assertKindCanCanary(strategy: StrategyName, secretArn: string, entryId?: string): void {
  const refusal = canaryRefusal(strategy);
  if (refusal !== undefined) {
    throw new CanaryNotSupportedError(
      `${entryId !== undefined ? `entry "${entryId}" (secret ${secretArn})` : `secret ${secretArn}`} asks for a canary, but ${refusal}`,
    );
  }
}

const ROTATION_LABELS = new Set([AWSCURRENT, AWSPENDING, AWSPREVIOUS]);

/**
 * Takes every label but Secrets Manager's own off the candidate (reading the labels afresh), so that consumers of
 * the canary label fall back to AWSCURRENT. The version itself is kept. Returns the labels removed.
 */
export async function releaseCanaryLabels(store: SecretStore, arn: string, candidateId: string): Promise<string[]> {
  const labels = (await store.describe(arn)).versionStages[candidateId] ?? [];
  const removable = labels.filter((label) => !ROTATION_LABELS.has(label));
  for (const label of removable) await store.removeStage(arn, label, candidateId);
  return removable;
}
