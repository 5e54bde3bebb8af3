import type { Violation } from './invariants';
import type { Observation } from './observe';

/**
 * The invariants of canary cohorts and replicated secrets (docs/chaos.md), on what canary-replica-world.ts
 * observed. Messages name versions and regions, never a value.
 */
export function canaryReplicaViolations(observation: Observation): Violation[] {
  const seen = observation.canaryReplica;
  if (!seen) return [];
  const violations: Violation[] = [];
  const execution = seen.execution;
  if (execution?.aborted) {
    if (execution.currentAfter !== execution.currentBefore) {
      violations.push({
        invariant: 'canary-moved-current',
        detail: `the canary was aborted, yet AWSCURRENT moved from version ${execution.currentBefore ?? '?'} to ${execution.currentAfter ?? 'none'}`,
      });
    } else if (execution.currentAfterAuthenticates === false) {
      violations.push({
        invariant: 'canary-moved-current',
        detail: `the canary was aborted and AWSCURRENT (version ${execution.currentAfter ?? '?'}) no longer authenticates`,
      });
    }
  }
  if (execution?.promoted && execution.currentHoldsCandidateValue === false) {
    violations.push({
      invariant: 'canary-promoted-other',
      detail: `the promoted version (${execution.promotedVersion ?? '?'}) does not hold the value canaried as version ${execution.candidate ?? '?'}`,
    });
  }
  for (const versionId of seen.orphanCandidates) {
    violations.push({
      invariant: 'canary-orphan',
      detail: `canary candidate version ${versionId} never became AWSCURRENT, yet its credential still authenticates`,
    });
  }
  if (seen.labelLeftOn.length > 0 || seen.pendingLeftOn !== undefined) {
    violations.push({
      invariant: 'canary-left',
      detail: [
        ...(seen.labelLeftOn.length > 0
          ? [`the canary label ${seen.canaryLabel ?? '?'} is still on version ${seen.labelLeftOn.join(', ')}`]
          : []),
        ...(seen.pendingLeftOn !== undefined ? [`AWSPENDING is left on version ${seen.pendingLeftOn}`] : []),
      ].join('; '),
    });
  }
  for (const detail of seen.staleRevocations) violations.push({ invariant: 'revoked-while-replica-stale', detail });
  for (const detail of seen.halfMoved) violations.push({ invariant: 'replica-half-moved', detail });
  return violations;
}
