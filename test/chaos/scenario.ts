import type { KeyTaskName } from '../../functions/kms-key/tasks';
import { ROTATION_FUNCTION_TASKS, type RotationFunctionTask } from '../../functions/shared/lifecycle-contract';
import type { KmsOperationName } from '../../local/kms';
import { ROTATION_STEPS, type RotationStep } from '../../local/secretsmanager/rotation';
import {
  describeKeyScenario,
  generateKeyScenario,
  type KeyScenario,
  type KmsFaultMode,
  type KmsWriteOperation,
  type OperatorFix,
} from './key-scenario';
import { drawFeatures } from './canary-replica-scenario';
import { Prng } from './prng';

/**
 * What one chaos scenario does, derived from (seed, number) alone: the kind of secret, how many
 * rotations it starts, and the faults it injects and when. Pure data, value-free, printable.
 */

/** The secrets a scenario rotates: one per strategy the suite covers. */
export const TARGET_KINDS = [
  'pg-single',
  'pg-alternating',
  'mariadb-single',
  'mariadb-alternating',
  // MySQL 8 (dual passwords, failed-login locking) through the MySQL 8 double (test/support/mysql8).
  'mysql8-single',
  'mysql8-alternating',
  'redis',
  'random',
  // Keys the target issues at createSecret: an IAM user's access key (the local IAM and STS), a
  // SendGrid API key and a Datadog API key (local fakes), each scenario its own user or account.
  'iam-access-key',
  'http-api-key',
  'http-api-key-datadog',
] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Target kinds whose value the target issues (createSecret mints a key at IAM or the provider). */
export const ISSUED_KEY_KINDS = [
  'iam-access-key',
  'http-api-key',
  'http-api-key-datadog',
] as const satisfies readonly TargetKind[];
export type IssuedKeyKind = (typeof ISSUED_KEY_KINDS)[number];

export function isIssuedKeyKind(target: TargetKind): target is IssuedKeyKind {
  return (ISSUED_KEY_KINDS as readonly string[]).includes(target);
}

/** The calls a strategy makes to the target that issues its keys (IAM and STS, or the provider). */
export const TARGET_CALLS = ['create', 'list', 'verify', 'revoke'] as const;
export type TargetCall = (typeof TARGET_CALLS)[number];

/** How the target fails: a 5xx before doing anything, a 5xx after doing the work, or its rate limit (429 / Throttling). */
export type TargetFaultMode = 'server-error' | 'server-error-after-applying' | 'too-many-requests';

/**
 * The target kinds rotated through Secrets Manager alone, the lifecycle state machine around any of them, and
 * KMS keys (the kms-key state machine and its tasks: on-demand rotation or replacement, see key-scenario.ts).
 */
export const SCENARIO_KINDS = [...TARGET_KINDS, 'lifecycle', 'kms-key'] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];
/** The kinds whose scenario rotates a Secrets Manager secret. */
export type SecretScenarioKind = TargetKind | 'lifecycle';

export function isScenarioKind(name: string): name is ScenarioKind {
  return (SCENARIO_KINDS as readonly string[]).includes(name);
}

/**
 * A call of the function under test: a rotation step (from Secrets Manager), a lifecycle task (from the
 * lifecycle state machine) or a kms-key task (from the kms-key state machine).
 */
export type Invocation = RotationStep | RotationFunctionTask | KeyTaskName;

/** The n-th call of one step or task in the scenario (counting Secrets Manager's and the state machine's calls). */
export interface StepMoment {
  readonly step: Invocation;
  readonly occurrence: number;
}

/** The Secrets Manager operations the rotation function (and the state machine) call. */
export const FAULTABLE_OPERATIONS = [
  'DescribeSecret',
  'GetSecretValue',
  'ListSecretVersionIds',
  'PutSecretValue',
  'UpdateSecretVersionStage',
  'RotateSecret',
] as const;
export type FaultableOperation = (typeof FAULTABLE_OPERATIONS)[number];

export type SecretsManagerFaultMode = 'before-applying' | 'after-applying' | 'throttling' | 'access-denied';

export type Fault =
  /** The function's process is killed after the step returned: its answer is lost. */
  | { readonly type: 'crash-after-step'; readonly at: StepMoment }
  /** Killed when Secrets Manager receives the function's n-th request: before applying it, or after (answer lost). */
  | {
      readonly type: 'crash-at-request';
      readonly request: number;
      readonly timing: 'before-applying' | 'after-applying';
    }
  /** Killed the moment the proxy forwards the function's n-th packet to the database (the statement may have run). */
  | { readonly type: 'crash-at-packet'; readonly packet: number }
  /** The step runs twice: once more after it returned (a retry), or two invocations at once (overlapping retries). */
  | { readonly type: 'step-twice'; readonly at: StepMoment; readonly overlap: 'sequential' | 'concurrent' }
  /** A second rotation starts while this step runs: the same token (a duplicate run) or a new one (RotateSecret again). */
  | { readonly type: 'race'; readonly at: StepMoment; readonly token: 'same' | 'new' }
  /** Secrets Manager fails the next `count` calls of an operation on the secret, from this step on. */
  | {
      readonly type: 'sm-fault';
      readonly at: StepMoment;
      readonly operation: FaultableOperation;
      readonly mode: SecretsManagerFaultMode;
      readonly count: number;
    }
  /** The database refuses connections (and open ones are cut) from this step on, until lifted or for `lastsMs`. */
  | { readonly type: 'db-outage'; readonly at: StepMoment; readonly lastsMs?: number }
  /** The connection carrying the function's n-th packet is cut after the packet is forwarded, before any reply. */
  | { readonly type: 'db-cut'; readonly packet: number }
  /** Every packet to and from the database is delayed. */
  | { readonly type: 'db-delay'; readonly ms: number }
  /** After a failed rotation, an operator clears the stuck AWSPENDING and starts a new rotation, up to `times` times. */
  | { readonly type: 'operator-restarts'; readonly times: number }
  /**
   * Killed when IAM/STS or the provider receives the function's n-th request: before it is applied,
   * or after (a key created and never stored: the orphan case).
   */
  | {
      readonly type: 'crash-at-call';
      /** The n-th call of this kind (`any`: of every kind), counted from when the faults are armed. */
      readonly of: TargetCall | 'any';
      readonly call: number;
      readonly timing: 'before-applying' | 'after-applying';
    }
  /** IAM/STS or the provider fails the next `count` calls of one kind, from this step on. */
  | {
      readonly type: 'target-fault';
      readonly at: StepMoment;
      readonly call: TargetCall;
      readonly mode: TargetFaultMode;
      readonly count: number;
    }
  /**
   * KMS keys: killed when KMS receives the kms-key function's n-th request (`any`), or its n-th request of one
   * write operation: before KMS applies it, or after (the work done, the answer lost).
   */
  | {
      readonly type: 'crash-at-kms-call';
      readonly operation: KmsWriteOperation | 'any';
      readonly call: number;
      readonly timing: 'before-applying' | 'after-applying';
    }
  /** KMS keys: the local KMS fails the function's next `count` calls of an operation from this task on. */
  | {
      readonly type: 'kms-fault';
      readonly at: StepMoment;
      readonly operation: KmsOperationName;
      readonly mode: KmsFaultMode;
      readonly count: number;
    }
  /** KMS keys: an operator's hand fix between two tasks (just before this one runs). */
  | { readonly type: 'operator-fix'; readonly at: StepMoment; readonly fix: OperatorFix }
  // Canary cohorts and replicated secrets (canary-replica-scenario.ts draws them).
  /**
   * Killed inside one call of a task or step: at its n-th request of one Secrets Manager operation (before Secrets
   * Manager applies it, or after: the answer lost), or at its n-th database packet.
   */
  | {
      readonly type: 'crash-in-task';
      readonly at: StepMoment;
      readonly point: CrashPoint;
      readonly n: number;
      readonly timing: 'before-applying' | 'after-applying';
    }
  /** The canary fails during its hold, just before this check runs (the check must see it and abort). */
  | { readonly type: 'canary-fails'; readonly at: StepMoment; readonly how: CanaryFailure }
  /** Replication to one replica region fails (`Failed`) from this moment until the faults are lifted. */
  | { readonly type: 'replica-failed'; readonly at: StepMoment; readonly region: string };

export type FaultType = Fault['type'];

/** Where a crash-in-task strikes: a Secrets Manager operation of the call, or its database packets. */
export type CrashPoint = 'PutSecretValue' | 'UpdateSecretVersionStage' | 'GetSecretValue' | 'DescribeSecret' | 'packet';

/**
 * How a canary fails during its hold: an operator takes the canary label off by hand (the cohort falls back), or
 * the candidate stops authenticating at the target (its password changed there: what a probe or a cohort sees).
 */
export type CanaryFailure = 'label-removed' | 'candidate-rejected';

/** A scenario of a secret rotated by Secrets Manager (alone, or inside the lifecycle). */
export interface SecretScenario {
  readonly seed: string;
  readonly number: number;
  readonly kind: SecretScenarioKind;
  /** The secret rotated: for `lifecycle`, the kind the state machine runs around. */
  readonly target: TargetKind;
  /** A clean rotation before the faults (the alternating user's clone then exists; rotation is configured). */
  readonly warmup: boolean;
  /** Rotations the schedule starts while the faults are armed (a lifecycle scenario runs one execution). */
  readonly attempts: number;
  /** How often Secrets Manager re-runs a failed rotation with the same token before anyone else acts. */
  readonly awsRetries: number;
  readonly faults: readonly Fault[];
  /** The lifecycle's revocation settings (lifecycle scenarios). */
  readonly lifecycle?: {
    readonly whenStillInUse: 'revoke' | 'alert';
    readonly terminateSessions: boolean;
    /**
     * Issue 14 §1: the auth-failure watch windows. `quiet`: watched, no failed logins; `breach-switch` /
     * `breach-revoke`: failed logins appear in that window (rollback / reinstate). Absent: no windows.
     */
    readonly authFailures?: AuthFailureScenario;
  };
  /** A canary cohort (lifecycle scenarios around a kind that can canary): the hold before RotateSecret. */
  readonly canary?: CanaryPlan;
  /** Replicas of the secret in other regions of the local Secrets Manager (each region's lag is the run's). */
  readonly replicas?: ReplicaPlan;
}

export interface CanaryPlan {
  readonly label: string;
  readonly windowSeconds: number;
  readonly checkEverySeconds: number;
}

export interface ReplicaPlan {
  readonly regions: readonly string[];
  /** The lifecycle's keyturn:replica-sync-max-wait-seconds (its ReplicaWait loop runs in compressed time). */
  readonly maxWaitSeconds: number;
}

/** What one scenario does: rotate a secret, or rotate a KMS key (key-scenario.ts). */
export type Scenario = SecretScenario | KeyScenario;

/** Target kinds whose credential lives on a database server (behind the proxy). */
export function hasServer(target: TargetKind): boolean {
  return target !== 'random' && !isIssuedKeyKind(target);
}

export const AUTH_FAILURE_SCENARIOS = ['quiet', 'breach-switch', 'breach-revoke'] as const;
export type AuthFailureScenario = (typeof AUTH_FAILURE_SCENARIOS)[number];

/** Target kinds that promise both credentials work through a rotation (zero downtime). */
export function isDualAccept(target: TargetKind): boolean {
  return [
    'pg-alternating',
    'mariadb-alternating',
    'mysql8-single',
    'mysql8-alternating',
    'redis',
    // The old key stays valid until the lifecycle revokes it, after the new one verified.
    'iam-access-key',
    'http-api-key',
    'http-api-key-datadog',
  ].includes(target);
}

const STEP_WEIGHTS: readonly (readonly [RotationStep, number])[] = [
  ['createSecret', 2],
  ['setSecret', 3],
  ['testSecret', 2],
  ['finishSecret', 3],
];
const TASK_WEIGHTS: readonly (readonly [RotationFunctionTask, number])[] = [
  ['preflight', 1],
  ['verify', 2],
  ['drain', 1],
  ['revoke', 2],
  ['rollback', 1],
  ['watch', 1],
  ['reinstate', 1],
];

function moment(random: Prng, lifecycle: boolean): StepMoment {
  const step: Invocation =
    lifecycle && random.chance(0.5) ? random.weighted(TASK_WEIGHTS) : random.weighted(STEP_WEIGHTS);
  return { step, occurrence: random.chance(0.8) ? 1 : 2 };
}

function secretsManagerFault(random: Prng, lifecycle: boolean): Fault {
  const mode = random.weighted<SecretsManagerFaultMode>([
    ['before-applying', 3],
    ['after-applying', 3],
    ['throttling', 2],
    ['access-denied', 1],
  ]);
  const writes: readonly FaultableOperation[] = ['PutSecretValue', 'UpdateSecretVersionStage'];
  const reads: readonly FaultableOperation[] = ['DescribeSecret', 'GetSecretValue', 'ListSecretVersionIds'];
  const operation =
    mode === 'after-applying'
      ? random.pick(lifecycle ? [...writes, 'RotateSecret' as const] : writes)
      : random.pick([...writes, ...reads, ...(lifecycle ? ['RotateSecret' as const] : [])]);
  const count =
    mode === 'throttling' ? random.int(1, 8) : mode === 'access-denied' ? random.int(1, 2) : random.int(1, 3);
  return { type: 'sm-fault', at: moment(random, lifecycle), operation, mode, count };
}

function oneFault(random: Prng, target: TargetKind, lifecycle: boolean): Fault {
  const server = hasServer(target);
  const issued = isIssuedKeyKind(target);
  const type = random.weighted<FaultType>([
    ['crash-after-step', 3],
    ['crash-at-request', 3],
    ['crash-at-packet', server ? 2 : 0],
    ['step-twice', 3],
    ['race', 2],
    ['sm-fault', 3],
    ['db-outage', server ? 2 : 0],
    ['db-cut', server ? 2 : 0],
    ['db-delay', server ? 1 : 0],
    ['operator-restarts', lifecycle ? 0 : 1],
    ['crash-at-call', issued ? 4 : 0],
    ['target-fault', issued ? 3 : 0],
  ]);
  switch (type) {
    case 'crash-after-step':
      return { type, at: moment(random, lifecycle) };
    case 'crash-at-request':
      return { type, request: random.int(1, 30), timing: random.pick(['before-applying', 'after-applying'] as const) };
    case 'crash-at-packet':
      return { type, packet: random.int(1, 40) };
    case 'step-twice':
      return { type, at: moment(random, lifecycle), overlap: random.pick(['sequential', 'concurrent'] as const) };
    case 'race':
      return {
        type,
        at: { step: random.weighted(STEP_WEIGHTS), occurrence: 1 },
        token: random.pick(['same', 'new'] as const),
      };
    case 'sm-fault':
      return secretsManagerFault(random, lifecycle);
    case 'db-outage':
      // Inside a lifecycle nobody lifts faults by hand: the outage ends by itself.
      return lifecycle
        ? { type, at: moment(random, lifecycle), lastsMs: random.int(200, 3_000) }
        : { type, at: moment(random, lifecycle) };
    case 'db-cut':
      return { type, packet: random.int(1, 40) };
    case 'db-delay':
      return { type, ms: random.int(5, 60) };
    case 'operator-restarts':
      return { type, times: random.int(1, 5) };
    case 'crash-at-call': {
      // Mostly the create (after it applied: a key minted and never stored, the orphan case).
      const of = random.weighted<TargetCall | 'any'>([
        ['create', 3],
        ['any', 2],
      ]);
      return {
        type,
        of,
        call: of === 'any' ? random.int(1, 8) : random.int(1, 2),
        timing: random.pick(['before-applying', 'after-applying'] as const),
      };
    }
    case 'target-fault': {
      const mode = random.weighted<TargetFaultMode>([
        ['server-error', 3],
        ['server-error-after-applying', 2],
        ['too-many-requests', 2],
      ]);
      return {
        type,
        at: moment(random, lifecycle),
        call: random.weighted<TargetCall>([
          ['create', 3],
          ['list', 2],
          ['verify', 2],
          ['revoke', lifecycle ? 2 : 0],
        ]),
        mode,
        count: mode === 'too-many-requests' ? random.int(1, 4) : random.int(1, 3),
      };
    }
    default:
      // The KMS faults are key-scenario.ts's: no weight above draws them for a secret.
      throw new Error(`no ${type} fault for secrets`);
  }
}

/**
 * Issue 10's lockout: setSecret changed the password, the database went down, and an operator
 * cleared the stuck AWSPENDING and started over several times before it came back.
 */
function outageWithRestarts(random: Prng): Fault[] {
  return [
    { type: 'db-outage', at: { step: random.pick(['testSecret', 'finishSecret'] as const), occurrence: 1 } },
    { type: 'operator-restarts', times: random.int(2, 6) },
  ];
}

/** The scenario `number` of the run with `seed`: the same inputs always give the same scenario. */
export function generateScenario(
  seed: string,
  number: number,
  kinds: readonly ScenarioKind[] = SCENARIO_KINDS,
): Scenario {
  const kind = new Prng('keyturn-chaos-kind', seed, number).pick(kinds);
  if (kind === 'kms-key') return generateKeyScenario(seed, number);
  // The schedule draws from its own sequence, so scenario n of two kinds differ in more than their kind.
  const random = new Prng('keyturn-chaos', seed, number, kind);
  const lifecycle = kind === 'lifecycle';
  const target: TargetKind = lifecycle ? random.pick(TARGET_KINDS) : kind;
  const faults: Fault[] = [];
  const shape = random.weighted<'clean' | 'restarts' | 'random'>([
    ['clean', 1],
    ['restarts', !lifecycle && hasServer(target) ? 4 : 0],
    ['random', 30],
  ]);
  if (shape === 'restarts') faults.push(...outageWithRestarts(random));
  if (shape === 'random') {
    const count = random.weighted([
      [1, 9],
      [2, 7],
      [3, 4],
    ] as const);
    for (let i = 0; i < count; i++) faults.push(oneFault(random, target, lifecycle));
  }
  const features = drawFeatures(seed, number, kind, target);
  faults.push(...features.faults);
  return {
    seed,
    number,
    kind,
    target,
    ...(features.canary ? { canary: features.canary } : {}),
    ...(features.replicas ? { replicas: features.replicas } : {}),
    warmup: lifecycle || random.chance(0.5),
    attempts: lifecycle
      ? 1
      : random.weighted([
          [1, 2],
          [2, 1],
        ] as const),
    awsRetries: random.int(0, 2),
    faults,
    ...(lifecycle
      ? {
          lifecycle: {
            whenStillInUse: random.pick(['revoke', 'alert'] as const),
            terminateSessions: random.chance(0.3),
            // Drawn last, so the draws above stay as they were.
            ...(random.chance(0.5) ? { authFailures: random.pick(AUTH_FAILURE_SCENARIOS) } : {}),
          },
        }
      : {}),
  };
}

function describeMoment(at: StepMoment): string {
  return at.occurrence === 1 ? at.step : `${at.step} (call ${at.occurrence})`;
}

/** One line per fault, for reports and replays. */
export function describeFault(fault: Fault): string {
  switch (fault.type) {
    case 'crash-after-step':
      return `crash after ${describeMoment(fault.at)} returned (answer lost)`;
    case 'crash-at-request':
      return `crash at the function's Secrets Manager request #${fault.request}, ${fault.timing}`;
    case 'crash-at-packet':
      return `crash when the proxy forwards the function's database packet #${fault.packet}`;
    case 'step-twice':
      return `${describeMoment(fault.at)} invoked twice, ${fault.overlap}`;
    case 'race':
      return `a second rotation (${fault.token} token) starts during ${describeMoment(fault.at)}`;
    case 'sm-fault':
      return `Secrets Manager fails ${fault.operation} ${fault.mode} x${fault.count} from ${describeMoment(fault.at)}`;
    case 'db-outage':
      return `database refuses connections from ${describeMoment(fault.at)} ${fault.lastsMs === undefined ? 'until lifted' : `for ${fault.lastsMs} ms`}`;
    case 'db-cut':
      return `connection cut after the function's database packet #${fault.packet}, before the reply`;
    case 'db-delay':
      return `every database packet delayed ${fault.ms} ms`;
    case 'operator-restarts':
      return `operator clears a stuck AWSPENDING and starts over, up to ${fault.times} times`;
    case 'crash-at-call':
      return `crash at the function's ${fault.of === 'any' ? 'IAM/STS or provider request' : `${fault.of} call to IAM or the provider`} #${fault.call}, ${fault.timing}`;
    case 'target-fault':
      return `IAM/STS or the provider fails ${fault.call} calls (${fault.mode}) x${fault.count} from ${describeMoment(fault.at)}`;
    case 'crash-at-kms-call':
      return `crash at the function's ${fault.operation === 'any' ? 'KMS request' : `${fault.operation} request to KMS`} #${fault.call}, ${fault.timing}`;
    case 'kms-fault':
      return `KMS fails ${fault.operation} (${fault.mode}) x${fault.count} from ${describeMoment(fault.at)}`;
    case 'operator-fix':
      return `an operator's hand fix (${fault.fix}) before ${describeMoment(fault.at)}`;
    case 'crash-in-task':
      return `crash in ${describeMoment(fault.at)} at its ${fault.point === 'packet' ? 'database packet' : `${fault.point} request`} #${fault.n}${fault.point === 'packet' ? '' : `, ${fault.timing}`}`;
    case 'canary-fails':
      return `the canary fails (${fault.how}) before ${describeMoment(fault.at)}`;
    case 'replica-failed':
      return `replication to ${fault.region} fails from ${describeMoment(fault.at)} until lifted`;
  }
}

export function describeScenario(scenario: Scenario): string {
  if (scenario.kind === 'kms-key') return describeKeyScenario(scenario, describeFault);
  const faults = scenario.faults.length === 0 ? 'no faults' : scenario.faults.map(describeFault).join('; ');
  const watch = scenario.lifecycle?.authFailures;
  const around =
    scenario.kind === 'lifecycle'
      ? `lifecycle around ${scenario.target}${watch ? ` (auth-failure watch: ${watch})` : ''}`
      : scenario.kind;
  const target = `${around}${scenario.canary ? ` with a ${scenario.canary.windowSeconds} s canary` : ''}${scenario.replicas ? ` replicated to ${scenario.replicas.regions.join(', ')} (wait ${scenario.replicas.maxWaitSeconds} s)` : ''}`;
  return `#${scenario.number} ${target}${scenario.warmup ? ', after a clean rotation' : ''}, ${scenario.attempts} rotation(s), ${scenario.awsRetries} AWS retr${scenario.awsRetries === 1 ? 'y' : 'ies'}: ${faults}`;
}

export { ROTATION_STEPS, ROTATION_FUNCTION_TASKS };
