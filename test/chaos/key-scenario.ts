import type { KeyTaskName } from '../../functions/kms-key/tasks';
import type { KmsOperationName } from '../../local/kms';
import { Prng } from './prng';
import type { Fault, FaultType, StepMoment } from './scenario';

/**
 * The `kms-key` kind: one KMS key behind an alias, rotated by executions of the kms-key state machine
 * (statemachines/kms-key.asl.json, tasks in functions/kms-key/tasks.ts) while faults strike. Unlike the secret
 * kinds there is no Secrets Manager and no four-step rotation: the faults aim at the kms-key tasks (a crash after
 * one, twin invocations), at the function's KMS requests (a crash before or after KMS applies one, KMS failing,
 * throttling or losing the answer) and at the gaps between tasks (an operator's hand fix). Pure data, derived
 * from (seed, number) alone.
 */

/** The keys a scenario rotates: a symmetric key (on demand) or an HMAC key (replaced: a new key takes the alias). */
export const KEY_TARGETS = ['symmetric', 'hmac'] as const;
export type KeyTarget = (typeof KEY_TARGETS)[number];

/** How KMS fails a call: a 500 (KMSInternalException), a throttle, or the call applied and its answer lost. */
export type KmsFaultMode = 'internal-error' | 'throttling' | 'after-applying';

/** The KMS calls of the kms-key function that change something. */
export const KMS_WRITE_OPERATIONS = [
  'RotateKeyOnDemand',
  'CreateKey',
  'TagResource',
  'UntagResource',
  'UpdateAlias',
  'EnableKey',
  'DisableKey',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
] as const satisfies readonly KmsOperationName[];
export type KmsWriteOperation = (typeof KMS_WRITE_OPERATIONS)[number];

/**
 * An operator's hand fix between two tasks:
 * - `alias-back`: a hand rollback: the old key enabled (its deletion cancelled) and the alias moved back to it;
 * - `enable-old`: the old key enabled again (someone still needed it);
 * - `cancel-deletion`: the old key's deletion cancelled (KMS leaves it Disabled);
 * - `delete-replacement`: a replacement the alias never reached scheduled for deletion ("a half-made key").
 */
export const OPERATOR_FIXES = ['alias-back', 'enable-old', 'cancel-deletion', 'delete-replacement'] as const;
export type OperatorFix = (typeof OPERATOR_FIXES)[number];

export interface KeyScenario {
  readonly seed: string;
  readonly number: number;
  readonly kind: 'kms-key';
  readonly key: KeyTarget;
  /** A clean run before the faults (the symmetric key has rotated once; the HMAC key is a replacement already). */
  readonly warmup: boolean;
  /** Executions started while the faults are armed. */
  readonly attempts: number;
  readonly faults: readonly Fault[];
  /** The entry's on-demand rotation limit (below KMS's own, so runs reach it). */
  readonly onDemandRotationLimit: number;
}

/** The tasks each key's executions run, weighted by how much a fault there can go wrong. */
const TASKS: Readonly<Record<KeyTarget, readonly (readonly [KeyTaskName, number])[]>> = {
  symmetric: [
    ['begin', 1],
    ['rotate-on-demand', 3],
    ['verify-on-demand', 2],
    ['report', 1],
  ],
  hmac: [
    ['begin', 1],
    ['create-replacement', 3],
    ['switch-alias', 3],
    ['drain', 1],
    ['disable-old', 2],
    ['check-canary', 2],
    ['schedule-deletion', 2],
    ['rollback', 1],
    ['report', 1],
  ],
};

/** The KMS calls each key's executions make (faults aim at these). */
const OPERATIONS: Readonly<Record<KeyTarget, readonly KmsOperationName[]>> = {
  symmetric: [
    'DescribeKey',
    'ListAliases',
    'ListKeyRotations',
    'GetKeyRotationStatus',
    'RotateKeyOnDemand',
    'Encrypt',
    'Decrypt',
  ],
  hmac: [
    'DescribeKey',
    'ListAliases',
    'ListKeys',
    'ListResourceTags',
    'GetKeyPolicy',
    'CreateKey',
    'TagResource',
    'UpdateAlias',
    'GenerateMac',
    'VerifyMac',
    'GetKeyLastUsage',
    'DisableKey',
    'EnableKey',
    'ScheduleKeyDeletion',
    'CancelKeyDeletion',
  ],
};

const WRITES: Readonly<Record<KeyTarget, readonly KmsWriteOperation[]>> = {
  symmetric: ['RotateKeyOnDemand'],
  hmac: ['CreateKey', 'TagResource', 'UpdateAlias', 'DisableKey', 'ScheduleKeyDeletion', 'EnableKey'],
};

/** The tasks before which each hand fix makes sense (the old key exists, the replacement is made, ...). */
const FIX_MOMENTS: Readonly<Record<OperatorFix, readonly KeyTaskName[]>> = {
  'alias-back': ['drain', 'disable-old', 'check-canary', 'schedule-deletion', 'report'],
  'enable-old': ['check-canary', 'schedule-deletion', 'report'],
  'cancel-deletion': ['rollback', 'report'],
  'delete-replacement': ['switch-alias'],
};

function moment(random: Prng, key: KeyTarget): StepMoment {
  return { step: random.weighted(TASKS[key]), occurrence: random.chance(0.8) ? 1 : 2 };
}

function keyFault(random: Prng, key: KeyTarget): Fault {
  const type = random.weighted<FaultType>([
    ['crash-after-step', 3],
    ['step-twice', 3],
    ['crash-at-kms-call', 4],
    ['kms-fault', 4],
    ['operator-fix', key === 'hmac' ? 3 : 0],
  ]);
  switch (type) {
    case 'crash-after-step':
      return { type, at: moment(random, key) };
    case 'step-twice':
      return { type, at: moment(random, key), overlap: random.pick(['sequential', 'concurrent'] as const) };
    case 'crash-at-kms-call': {
      const timing = random.pick(['before-applying', 'after-applying'] as const);
      return random.chance(0.5)
        ? { type, operation: 'any', call: random.int(1, key === 'hmac' ? 40 : 15), timing }
        : { type, operation: random.pick(WRITES[key]), call: random.int(1, 2), timing };
    }
    case 'kms-fault': {
      const mode = random.weighted<KmsFaultMode>([
        ['internal-error', 3],
        ['throttling', 2],
        ['after-applying', 2],
      ]);
      // A lost answer matters where the call changed something; failures, anywhere.
      const operation = mode === 'after-applying' ? random.pick(WRITES[key]) : random.pick(OPERATIONS[key]);
      const count = mode === 'throttling' ? random.int(1, 6) : mode === 'internal-error' ? random.int(1, 4) : 1;
      return { type, at: moment(random, key), operation, mode, count };
    }
    case 'operator-fix': {
      const fix = random.pick(OPERATOR_FIXES);
      return { type, at: { step: random.pick(FIX_MOMENTS[fix]), occurrence: 1 }, fix };
    }
    default:
      throw new Error(`no ${type} fault for KMS keys`);
  }
}

/** The kms-key scenario `number` of the run with `seed`. */
export function generateKeyScenario(seed: string, number: number): KeyScenario {
  const random = new Prng('keyturn-chaos', seed, number, 'kms-key');
  const key = random.pick(KEY_TARGETS);
  const count = random.weighted([
    [0, 1],
    [1, 9],
    [2, 7],
    [3, 4],
  ] as const);
  const faults = Array.from({ length: count }, () => keyFault(random, key));
  return {
    seed,
    number,
    kind: 'kms-key',
    key,
    warmup: random.chance(0.5),
    attempts: random.weighted([
      [1, 2],
      [2, 1],
    ] as const),
    faults,
    onDemandRotationLimit: random.int(4, 10),
  };
}

export function describeKeyScenario(scenario: KeyScenario, describeFault: (fault: Fault) => string): string {
  const faults = scenario.faults.length === 0 ? 'no faults' : scenario.faults.map(describeFault).join('; ');
  const how = scenario.key === 'symmetric' ? 'symmetric key rotated on demand' : 'HMAC key replaced';
  return `#${scenario.number} kms-key (${how}, limit ${scenario.onDemandRotationLimit})${scenario.warmup ? ', after a clean run' : ''}, ${scenario.attempts} run(s): ${faults}`;
}
