import { findLeaks, type Violation } from './invariants';
import type { KeyTarget } from './key-scenario';
import type { EntryKey } from './key-world';
import type { SecretValue } from './observe';
import type { OutputEntry } from './outputs';

/**
 * The invariants a kms-key scenario must keep, on what was observed (a pure function, so its own tests can
 * plant each violation). The same invariants as the secrets', read for keys: lockout, lost-version, orphan-key
 * and leak; and two of keys alone: rotation-limit and deleting-aliased-key.
 */

export interface KeyObservation {
  readonly number: number;
  readonly key: KeyTarget;
  /** A run completed once the faults were lifted. */
  readonly recovered: boolean;
  /** Broken at an observation point during the scenario (lockout, lost-version), each once. */
  readonly findings: readonly Violation[];
  /** The key the alias points at at the end. */
  readonly aliasKeyId?: string;
  /** The entry's keys at the end: the original and every key keyturn tagged for the entry. */
  readonly keys: readonly EntryKey[];
  /** Executions of the kms-key state machine over the scenario. */
  readonly executions: number;
  /** RotateKeyOnDemand calls KMS accepted for the key over the scenario, and refused for its limit. */
  readonly onDemandRotations: number;
  readonly limitRefusals: number;
  readonly onDemandRotationLimit: number;
  /** Keys whose deletion was scheduled while the alias pointed at them. */
  readonly aliasedDeletions: readonly string[];
  readonly secretValues: readonly SecretValue[];
  readonly outputs: readonly OutputEntry[];
}

export function checkKeyInvariants(observation: KeyObservation): Violation[] {
  return [
    ...observation.findings,
    ...orphanKeys(observation),
    ...rotationLimit(observation),
    ...observation.aliasedDeletions.map((keyId): Violation => ({
      invariant: 'deleting-aliased-key',
      detail: `the deletion of key ${keyId} was scheduled while the alias pointed at it`,
    })),
    ...findLeaks(observation.secretValues, observation.outputs),
  ];
}

/**
 * Once a run completed: every key of the entry serves the alias, waits for its deletion, was kept by an
 * operator, or is a spare replacement left Enabled for an operator to look at (a rolled-back run's) — one at
 * most. A key left Disabled serves nobody and is never deleted.
 */
function orphanKeys(observation: KeyObservation): Violation[] {
  if (!observation.recovered) return [];
  const others = observation.keys.filter(
    (key) => key.keyId !== observation.aliasKeyId && !key.keptByOperator && key.state !== 'PendingDeletion',
  );
  const violations: Violation[] = others
    .filter((key) => key.state !== 'Enabled')
    .map((key) => ({
      invariant: 'orphan-key',
      detail: `${key.original ? 'the original key' : 'replacement key'} ${key.keyId} is left ${key.state}: it serves no alias and is not scheduled for deletion`,
    }));
  const spares = others.filter((key) => key.state === 'Enabled');
  if (spares.length >= 2) {
    violations.push({
      invariant: 'orphan-key',
      detail: `${spares.length} keys of the entry are left Enabled besides the alias's (${spares.map((key) => key.keyId).join(', ')})`,
    });
  }
  return violations;
}

function rotationLimit(observation: KeyObservation): Violation[] {
  if (observation.key !== 'symmetric') return [];
  const violations: Violation[] = [];
  const allowed = Math.min(observation.executions, observation.onDemandRotationLimit);
  if (observation.onDemandRotations > allowed) {
    violations.push({
      invariant: 'rotation-limit',
      detail: `${observation.onDemandRotations} on-demand rotations for ${observation.executions} run(s) (the entry's limit: ${observation.onDemandRotationLimit})`,
    });
  }
  if (observation.limitRefusals > 0) {
    violations.push({
      invariant: 'rotation-limit',
      detail: `KMS refused ${observation.limitRefusals} RotateKeyOnDemand call(s) for its limit: keyturn should have refused first`,
    });
  }
  return violations;
}
