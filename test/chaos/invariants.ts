import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../../functions/shared/stages';
import { canaryReplicaViolations } from './canary-replica-invariants';
import type { Observation, SecretValue } from './observe';
import type { OutputEntry } from './outputs';
import { isDualAccept } from './scenario';

/**
 * The invariants every scenario must keep, checked on what was observed (a pure function, so its
 * own tests can plant each violation). Messages name versions, users' kinds and outputs, never a
 * secret value.
 */

export const INVARIANTS = [
  /**
   * AWSCURRENT does not authenticate once the faults are lifted and retries are done. KMS keys: at an
   * observation point the alias resolves to no Enabled key, or its round trip fails.
   */
  'lockout',
  /**
   * A version that once held AWSCURRENT is gone (or lost its value). KMS keys: something the consumer made
   * (a ciphertext, a MAC) no longer opens or verifies, or its key left Enabled without keyturn retiring it.
   */
  'lost-version',
  /** A secret value appears in an output. */
  'leak',
  /** AWSPENDING sits on a version that is not AWSCURRENT although a rotation reported success. */
  'pending-left',
  /** After a success, AWSPREVIOUS is not on the version that was AWSCURRENT before it. */
  'previous-not-prior-current',
  /** A zero-downtime kind's AWSCURRENT stopped authenticating during the faults (before any recovery). */
  'outage',
  /** An error claims the password was changed outside keyturn (nobody else touched it), or is a raw database race error. */
  'misleading-error',
  /**
   * Issued-key kinds, once a rotation succeeded after the faults: a key at IAM or the provider that no
   * version of the secret holds (created and never stored, or never revoked), or an inactive key that
   * is not AWSPREVIOUS's (only the key keyturn deactivated, in quarantine, may be). KMS keys, after a run
   * completed: a key of the entry that neither serves the alias nor waits for its deletion (left Disabled, or
   * two or more spare replacements left Enabled).
   */
  'orphan-key',
  /** Issued-key kinds: the user or account holds more keys than IAM or the provider allows. */
  'over-cap',
  /**
   * KMS keys: more on-demand rotations than runs (a retry or a twin spent another of the key's limited
   * rotations), more than the entry's limit, or a RotateKeyOnDemand KMS refused for its limit.
   */
  'rotation-limit',
  /** KMS keys: a key's deletion was scheduled while the alias pointed at it. */
  'deleting-aliased-key',
  // Canary cohorts and replicated secrets (canary-replica-invariants.ts).
  /** A canary was aborted, yet AWSCURRENT moved during the execution, or no longer authenticates after it. */
  'canary-moved-current',
  /** After a canary's promotion, AWSCURRENT does not hold exactly the value the cohort tried. */
  'canary-promoted-other',
  /** A canary candidate that never became AWSCURRENT still authenticates at the end (an orphan credential). */
  'canary-orphan',
  /** A canary label, or AWSPENDING on a version other than AWSCURRENT, is left after the scenario's runs end. */
  'canary-left',
  /** A replica region served, as AWSCURRENT, a credential that had stopped working (revoked while it was stale). */
  'revoked-while-replica-stale',
  /** A replica region reports InSync, yet its AWSCURRENT or AWSPENDING is not where the primary's is. */
  'replica-half-moved',
] as const;
export type Invariant = (typeof INVARIANTS)[number];

export interface Violation {
  readonly invariant: Invariant;
  readonly detail: string;
}

/** Values shorter than this could appear in outputs by chance; every generated one is longer. */
const MIN_SECRET_LENGTH = 8;

/** Errors that tell an operator something false (keyturn changed it) or leak a database race unexplained. */
const MISLEADING_ERRORS: readonly (readonly [RegExp, string])[] = [
  [/changed outside keyturn/i, 'says the password was changed outside keyturn'],
  [/tuple concurrently updated/i, 'is a raw "tuple concurrently updated"'],
  [/role "[^"]*" already exists/i, 'is a raw "role already exists"'],
  [/Operation CREATE USER failed/i, 'is a raw MySQL "CREATE USER failed"'],
  [/duplicate key value violates unique constraint/i, 'is a raw duplicate-key error'],
];

export function checkInvariants(observation: Observation): Violation[] {
  return [
    ...lockouts(observation),
    ...lostVersions(observation),
    ...leaks(observation),
    ...pendingLeft(observation),
    ...previousNotPriorCurrent(observation),
    ...outages(observation),
    ...misleadingErrors(observation),
    ...orphanKeys(observation),
    ...overCap(observation),
    ...canaryReplicaViolations(observation),
  ];
}

function orphanKeys(observation: Observation): Violation[] {
  const issued = observation.issuedKeys;
  if (!issued || !observation.recovered) return [];
  return issued.keys.flatMap((key): Violation[] => {
    if (key.heldBy.length === 0) {
      return [
        {
          invariant: 'orphan-key',
          detail: `${key.active ? 'active' : 'inactive'} key ${key.id} at the target is held by no version of the secret`,
        },
      ];
    }
    if (!key.active && !key.heldBy.some((stages) => stages.includes(AWSPREVIOUS))) {
      const labels = [...new Set(key.heldBy.flat())].join(', ') || 'an unlabelled version';
      return [
        {
          invariant: 'orphan-key',
          detail: `inactive key ${key.id} is held by ${labels}, not by AWSPREVIOUS (only the quarantined previous key may be inactive)`,
        },
      ];
    }
    return [];
  });
}

function overCap(observation: Observation): Violation[] {
  const issued = observation.issuedKeys;
  if (!issued || issued.keys.length <= issued.cap) return [];
  return [
    {
      invariant: 'over-cap',
      detail: `the target holds ${issued.keys.length} keys for the scenario, more than its limit of ${issued.cap}`,
    },
  ];
}

function holderOf(observation: Observation, label: string): string | undefined {
  return observation.versions.find((version) => version.stages.includes(label))?.versionId;
}

function lockouts(observation: Observation): Violation[] {
  if (observation.currentAuthenticates !== false) return [];
  const current = holderOf(observation, AWSCURRENT);
  const how = observation.recovered
    ? 'even after a rotation succeeded'
    : 'and no rotation succeeded after the faults were lifted';
  return [{ invariant: 'lockout', detail: `AWSCURRENT (version ${current ?? '?'}) does not authenticate, ${how}` }];
}

function lostVersions(observation: Observation): Violation[] {
  if (!observation.secretExists && observation.everCurrent.length > 0) {
    return [
      {
        invariant: 'lost-version',
        detail: `the secret is gone, and with it ${observation.everCurrent.length} version(s) that held AWSCURRENT`,
      },
    ];
  }
  const present = new Map(observation.versions.map((version) => [version.versionId, version]));
  return observation.everCurrent.flatMap((versionId): Violation[] => {
    const version = present.get(versionId);
    if (!version)
      return [{ invariant: 'lost-version', detail: `version ${versionId}, once AWSCURRENT, no longer exists` }];
    if (version.value === undefined) {
      return [{ invariant: 'lost-version', detail: `version ${versionId}, once AWSCURRENT, has no value any more` }];
    }
    return [];
  });
}

/** The forms a value takes in text: as is, and escaped inside a JSON string. */
function textForms(value: string): string[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped === value ? [value] : [value, escaped];
}

function leaks(observation: Observation): Violation[] {
  return findLeaks(observation.secretValues, observation.outputs);
}

/** Each secret value (of at least MIN_SECRET_LENGTH) found in an output, once per value and output source. */
export function findLeaks(secretValues: readonly SecretValue[], outputs: readonly OutputEntry[]): Violation[] {
  const found = new Map<string, Violation>();
  for (const secret of secretValues) {
    if (secret.value.length < MIN_SECRET_LENGTH) continue;
    const forms = textForms(secret.value);
    for (const output of outputs) {
      if (!forms.some((form) => output.text.includes(form))) continue;
      const key = `${secret.what}\u0000${output.source}`;
      if (!found.has(key)) found.set(key, { invariant: 'leak', detail: `${secret.what} appears in ${output.source}` });
    }
  }
  return [...found.values()];
}

function pendingLeft(observation: Observation): Violation[] {
  const violations: Violation[] = observation.successSnapshots
    .filter((snapshot) => snapshot.pending !== undefined && snapshot.pending !== snapshot.current)
    .map((snapshot) => ({
      invariant: 'pending-left',
      detail: `rotation ${snapshot.token} reported success, yet AWSPENDING is on version ${snapshot.pending ?? '?'}, not on AWSCURRENT (${snapshot.current ?? '?'})`,
    }));
  const pending = holderOf(observation, AWSPENDING);
  const current = holderOf(observation, AWSCURRENT);
  if (observation.recovered && pending !== undefined && pending !== current) {
    violations.push({
      invariant: 'pending-left',
      detail: `at the end, after a successful rotation, AWSPENDING is on version ${pending}, not on AWSCURRENT (${current ?? '?'})`,
    });
  }
  return violations;
}

function previousNotPriorCurrent(observation: Observation): Violation[] {
  if (!observation.secretExists || !observation.recovered || observation.priorCurrent === undefined) return [];
  const previous = holderOf(observation, AWSPREVIOUS);
  if (previous === observation.priorCurrent) return [];
  return [
    {
      invariant: 'previous-not-prior-current',
      detail: `AWSPREVIOUS is on ${previous === undefined ? 'no version' : `version ${previous}`}, not on version ${observation.priorCurrent}, the AWSCURRENT before the last rotation`,
    },
  ];
}

function outages(observation: Observation): Violation[] {
  if (!isDualAccept(observation.target) || observation.currentAuthenticatedBeforeRecovery !== false) return [];
  return [
    {
      invariant: 'outage',
      detail: `AWSCURRENT did not authenticate once the faults were lifted (before any recovery): ${observation.target} promises zero downtime`,
    },
  ];
}

function misleadingErrors(observation: Observation): Violation[] {
  const errors = [
    ...observation.outputs.filter((output) => output.source === 'error').map((output) => output.text),
    ...observation.concurrentErrors.map((error) => `${error.name}: ${error.message}`),
  ];
  const found = new Map<string, Violation>();
  for (const text of errors) {
    for (const [pattern, what] of MISLEADING_ERRORS) {
      const name = /^([\w.]+):/.exec(text)?.[1] ?? 'an error';
      if (pattern.test(text) && !found.has(what)) {
        found.set(what, { invariant: 'misleading-error', detail: `${name} ${what}` });
      }
    }
  }
  return [...found.values()];
}
