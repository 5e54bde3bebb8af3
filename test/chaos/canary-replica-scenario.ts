import { Prng } from './prng';
import type {
  CanaryFailure,
  CanaryPlan,
  CrashPoint,
  Fault,
  Invocation,
  ReplicaPlan,
  ScenarioKind,
  StepMoment,
  TargetKind,
} from './scenario';

/**
 * The canary and replica parts of a secret's scenario (docs/chaos.md): whether it has a canary cohort, replicas
 * in other regions, and the faults struck inside their tasks. Drawn from a sequence of their own, so every
 * scenario's other draws stay what they were before these parts existed.
 */

/** The suite's kinds whose strategy can canary (shared/canary.ts `canaryRefusal`). */
export const CANARY_TARGETS: readonly TargetKind[] = [
  'random',
  'pg-alternating',
  'mariadb-alternating',
  'mysql8-alternating',
  'redis',
];

/** Kinds where the harness can make the candidate stop authenticating by changing the other user's password. */
const REJECTABLE_CANDIDATE: readonly TargetKind[] = ['pg-alternating', 'mariadb-alternating'];

/**
 * Replica regions of the run and their replication lag (the local Secrets Manager's, set once for the run):
 * at once, shortly after, and late enough that the lifecycle's (compressed) wait gives up before it is in sync.
 */
export const REPLICA_REGION_LAG_MS: Readonly<Record<string, number>> = {
  'eu-west-1': 0,
  'eu-central-1': 300,
  'ap-south-1': 2_000,
};

export interface ScenarioFeatures {
  readonly canary?: CanaryPlan;
  readonly replicas?: ReplicaPlan;
  readonly faults: readonly Fault[];
}

export function drawFeatures(seed: string, number: number, kind: ScenarioKind, target: TargetKind): ScenarioFeatures {
  const random = new Prng('keyturn-chaos-features', seed, number, kind);
  const lifecycle = kind === 'lifecycle';
  const canary: CanaryPlan | undefined =
    lifecycle && CANARY_TARGETS.includes(target) && random.chance(0.8)
      ? { label: 'KEYTURN_CANARY', windowSeconds: random.int(1, 3), checkEverySeconds: 1 }
      : undefined;
  const replicas: ReplicaPlan | undefined = random.chance(0.25)
    ? {
        regions: random.chance(0.7)
          ? [random.pick(Object.keys(REPLICA_REGION_LAG_MS))]
          : Object.keys(REPLICA_REGION_LAG_MS).slice(0, 2),
        maxWaitSeconds: random.pick([30, 60, 900]),
      }
    : undefined;
  const faults: Fault[] = [];
  if (canary) {
    for (let i = random.int(1, 2); i > 0; i--) faults.push(canaryFault(random, target));
  }
  if (replicas) {
    for (let i = random.int(0, 2); i > 0; i--) faults.push(replicaFault(random, replicas, lifecycle));
  }
  return { ...(canary ? { canary } : {}), ...(replicas ? { replicas } : {}), faults };
}

function at(step: Invocation, random: Prng): StepMoment {
  return { step, occurrence: random.chance(0.8) ? 1 : 2 };
}

function canaryFault(random: Prng, target: TargetKind): Fault {
  const task = random.weighted<Invocation>([
    ['canary-start', 3],
    ['canary-check', 2],
    ['canary-abort', 2],
  ]);
  const type = random.weighted<Fault['type']>([
    ['crash-in-task', 4],
    ['crash-after-step', 2],
    ['step-twice', 2],
    ['canary-fails', 3],
    ['sm-fault', 1],
  ]);
  switch (type) {
    case 'crash-in-task':
      return crashInTask(random, task, target);
    case 'crash-after-step':
      return { type, at: at(task, random) };
    case 'step-twice':
      return { type, at: at(task, random), overlap: random.pick(['sequential', 'concurrent'] as const) };
    case 'sm-fault':
      return {
        type,
        at: at(task, random),
        operation: random.pick(['PutSecretValue', 'UpdateSecretVersionStage', 'GetSecretValue'] as const),
        mode: random.pick(['before-applying', 'after-applying', 'throttling'] as const),
        count: random.int(1, 3),
      };
    default: {
      const how = random.weighted<CanaryFailure>([
        ['label-removed', 1],
        ['candidate-rejected', REJECTABLE_CANDIDATE.includes(target) ? 2 : 0],
      ]);
      return { type: 'canary-fails', at: { step: 'canary-check', occurrence: random.int(1, 2) }, how };
    }
  }
}

/**
 * canary-start: after storing the candidate (PutSecretValue applied), in or after setSecret and testSecret (its
 * database packets); canary-abort: after the label is removed (UpdateSecretVersionStage applied), in or after the
 * revoke (its packets); canary-check: anywhere in its reads.
 */
function crashInTask(random: Prng, task: Invocation, target: TargetKind): Fault {
  const server = target !== 'random';
  const points: readonly (readonly [CrashPoint, number])[] =
    task === 'canary-start'
      ? [
          ['PutSecretValue', 3],
          ['packet', server ? 4 : 0],
          ['GetSecretValue', 1],
        ]
      : task === 'canary-abort'
        ? [
            ['UpdateSecretVersionStage', 3],
            ['packet', server ? 4 : 0],
          ]
        : [
            ['GetSecretValue', 2],
            ['packet', server ? 2 : 0],
          ];
  const point = random.weighted(points);
  return {
    type: 'crash-in-task',
    at: at(task, random),
    point,
    n: point === 'packet' ? random.int(1, 24) : 1,
    timing: point === 'PutSecretValue' || point === 'UpdateSecretVersionStage' ? 'after-applying' : 'before-applying',
  };
}

/** finishSecret's wait for the replicas, the lifecycle's replica-sync task, and a region failing on the way. */
function replicaFault(random: Prng, replicas: ReplicaPlan, lifecycle: boolean): Fault {
  const step = random.weighted<Invocation>([
    ['finishSecret', 3],
    ['setSecret', 1],
    ['verify', lifecycle ? 1 : 0],
    ['replica-sync', lifecycle ? 2 : 0],
  ]);
  const type = random.weighted<Fault['type']>([
    ['replica-failed', 3],
    ['crash-in-task', step === 'finishSecret' || step === 'replica-sync' ? 3 : 0],
    ['crash-after-step', 2],
    ['step-twice', 2],
  ]);
  switch (type) {
    case 'replica-failed':
      return { type, at: at(step, random), region: random.pick(replicas.regions) };
    case 'crash-in-task':
      return {
        type,
        at: at(step, random),
        point: random.pick(['DescribeSecret', 'GetSecretValue', 'UpdateSecretVersionStage'] as const),
        n: random.int(1, 4),
        timing: random.pick(['before-applying', 'after-applying'] as const),
      };
    case 'crash-after-step':
      return { type, at: at(step, random) };
    default:
      return { type: 'step-twice', at: at(step, random), overlap: random.pick(['sequential', 'concurrent'] as const) };
  }
}
