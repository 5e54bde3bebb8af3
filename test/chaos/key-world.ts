import { randomUUID } from 'node:crypto';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  EnableKeyCommand,
  KMSClient,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { REPLACEMENT_TAGS } from '../../functions/kms-key/replacement-key';
import type { KmsCall, LocalKmsKeySummary } from '../../local/kms';
import { runStateMachine } from '../../local/stepfunctions/runner';
import { KMS_KEY_FUNCTION_ARN, type ChaosEnvironment } from './environment';
import { asStepFunctionsError, FunctionCaller, type ConcurrentError } from './function-caller';
import type { ExecutionEnvironment, InvocationOwner } from './function-runtime';
import type { Violation } from './invariants';
import type { KeyScenario, KmsFaultMode, OperatorFix } from './key-scenario';
import { KeyConsumer, keyIdOfArn, type KeyArtefact } from './key-consumer';
import { OutputLog } from './outputs';
import type { TapDecision, TappedRequest } from './request-tap';
import type { Fault, Invocation } from './scenario';
import { StepMoments } from './step-moments';

/**
 * One kms-key scenario's world: its own key behind its own alias in the run's local KMS, the executions of the
 * kms-key state machine that rotate it (their tasks run by the kms-key function's processes, whose KMS requests
 * pass this world's tap), and its consumer (key-consumer.ts), who uses the key through the alias at every
 * observation point (before each task, after each execution, at the end). What
 * the harness knows of the keys comes from the local KMS itself (its key states and its feed of answered calls),
 * never from keyturn's account of them.
 */

/** How long in-flight calls may run on once the faults are lifted before they are killed. */
const SETTLE_MS = 30_000;
/** The kms-key state machine's ARN in execution ids. */
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:keyturn-kms-key';

let worldsMade = 0;

/** One execution of the kms-key state machine, as it ended. */
export interface KeyRun {
  readonly name: string;
  readonly status: string;
  /** The run's own verdict (`completed`, `failed`, `skipped`, `left-in-use`), from its output. */
  readonly outcome?: string;
  readonly failedStep?: string;
  readonly errorName?: string;
  readonly history: readonly string[];
}

/** One of the entry's keys at the end, as the local KMS holds it. */
export interface EntryKey {
  readonly keyId: string;
  readonly state: string;
  /** The key the scenario began with (not made by keyturn). */
  readonly original: boolean;
  /** An operator chose to keep it (enabled it again, or cancelled its deletion). */
  readonly keptByOperator: boolean;
}

/** A KMS fault planned for this world's function requests. */
interface PlannedKmsFault {
  readonly operation: string;
  readonly mode: KmsFaultMode;
  remaining: number;
}

export class KeyWorld implements InvocationOwner {
  readonly outputs = new OutputLog();
  readonly fired = new Set<Fault>();
  /** For a crash at a KMS call: which operation it struck (the trace shows it). */
  readonly struckCalls: string[] = [];
  /** What operators did by hand (the trace shows it). */
  readonly handFixes: string[] = [];
  /** Invariants broken at an observation point, each (invariant, key) once. */
  readonly findings: Violation[] = [];
  readonly consumer: KeyConsumer;
  /** Canary ciphertexts keyturn sealed (its plaintext, read back at the end, must appear in no output). */
  readonly canaries: string[] = [];
  readonly concurrentErrors: ConcurrentError[];
  readonly startedAt: { readonly alerts: number; readonly auditEvents: number };
  /** Keys KMS created while the scenario ran (any caller: the entry's are told apart by their tags at the end). */
  readonly created = new Set<string>();
  /** Keys someone disabled (only keyturn does: its canary), so that their MACs no longer verifying is by design. */
  readonly disabledEver = new Set<string>();
  /** Keys an operator kept by hand (enabled again, deletion cancelled): theirs to retire. */
  readonly keptByOperator = new Set<string>();
  /** Keys scheduled for deletion while the alias pointed at them. */
  readonly aliasedDeletions: string[] = [];
  /** RotateKeyOnDemand calls KMS accepted for the key, and those it refused for its limit. */
  onDemandRotations = 0;
  limitRefusals = 0;
  executions = 0;

  private armed = false;
  private disposed = false;
  private readonly moments: StepMoments;
  private kmsCalls = 0;
  private readonly kmsCallsOf = new Map<string, number>();
  private readonly planned: PlannedKmsFault[] = [];
  private readonly caller: FunctionCaller;
  private readonly foundKeys = new Set<string>();
  /** The key the alias pointed at when the current execution began (the one it replaces), and its new keys. */
  private run: { readonly oldKeyId: string; readonly created: Set<string> } | undefined;
  private readonly unsubscribe: () => void;

  private constructor(
    readonly env: ChaosEnvironment,
    readonly scenario: KeyScenario,
    readonly kms: KMSClient,
    readonly entryId: string,
    readonly aliasName: string,
    readonly originalKeyId: string,
  ) {
    this.caller = new FunctionCaller(env.keyRuntime, this, this.outputs);
    this.consumer = new KeyConsumer(kms, aliasName, scenario.key);
    this.moments = new StepMoments(scenario.faults, this.fired);
    this.concurrentErrors = this.caller.concurrentErrors;
    this.startedAt = { alerts: env.stack.sns.messages().length, auditEvents: env.stack.eventBridge.events().length };
    this.unsubscribe = env.kms.subscribe((call) => {
      this.onKmsCall(call);
    });
  }

  /** Makes the scenario's key (symmetric, or HMAC) and its alias. */
  static async create(env: ChaosEnvironment, scenario: KeyScenario): Promise<KeyWorld> {
    const id = ++worldsMade;
    const name = `chaos-${env.runId}-${id}`;
    // Patient with KMS: a fault armed for a function's request may meet the harness's own first.
    const kms = new KMSClient({ endpoint: env.kms.endpoint, region: env.kms.region, maxAttempts: 8 });
    try {
      const created = await kms.send(
        new CreateKeyCommand(
          scenario.key === 'hmac' ? { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' } : { Description: name },
        ),
      );
      const keyId = created.KeyMetadata?.KeyId;
      if (keyId === undefined) throw new Error('CreateKey returned no key id');
      const aliasName = `alias/${name}`;
      await kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
      return new KeyWorld(env, scenario, kms, name, aliasName, keyId);
    } catch (error) {
      kms.destroy();
      throw error;
    }
  }

  // ---------------------------------------------------------------- executions

  /** One execution of the kms-key state machine (waits shortened), then an observation point. */
  async execute(): Promise<KeyRun> {
    const name = randomUUID();
    this.executions += 1;
    this.run = { oldKeyId: this.aliasTarget()?.keyId ?? this.originalKeyId, created: new Set() };
    const result = await runStateMachine(
      this.env.kmsKeyDefinition,
      {
        entryId: this.entryId,
        keyId: this.originalKeyId,
        aliasName: this.aliasName,
        settings: {
          // No waiting: grace, drain and canary watch happen at once; the old key's use does not stop the run.
          graceSeconds: 0,
          drainCheckSeconds: 0,
          drainChecks: 1,
          whenStillInUse: 'proceed',
          canaryWatchSeconds: 0,
          deletionWindowDays: 7,
          onDemandRotationLimit: this.scenario.onDemandRotationLimit,
        },
      },
      {
        lambdaHandlers: { [KMS_KEY_FUNCTION_ARN]: (payload) => this.invokeFromStateMachine(payload) },
        wait: { ms: 5 },
        retry: { ms: 20 },
        stateMachineArn: STATE_MACHINE_ARN,
        executionName: name,
        context: {
          Execution: { Id: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`, Name: name },
        },
      },
    );
    this.outputs.add(
      'execution-history',
      JSON.stringify({ events: result.events, output: result.output, error: result.error, cause: result.cause }),
    );
    const output = (result.output ?? {}) as { outcome?: unknown; failedStep?: unknown; failure?: { Error?: unknown } };
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const outcome = text(output.outcome);
    const failedStep = text(output.failedStep);
    const errorName = text(output.failure?.Error) ?? result.error;
    await this.checkpoint(`after run ${this.executions}`);
    return {
      name,
      status: result.status,
      ...(outcome === undefined ? {} : { outcome }),
      ...(failedStep === undefined ? {} : { failedStep }),
      ...(errorName === undefined ? {} : { errorName }),
      history: result.history,
    };
  }

  private async invokeFromStateMachine(payload: unknown): Promise<unknown> {
    const task = String((payload as { task?: unknown } | null)?.task) as Invocation;
    try {
      const answer = await this.dispatch(task, payload);
      if (task === 'begin') this.noteCanary(answer);
      return answer;
    } catch (error) {
      throw asStepFunctionsError(error);
    }
  }

  private async dispatch(step: Invocation, payload: unknown): Promise<unknown> {
    if (this.disposed) throw new Error(`scenario ${this.scenario.number} has ended`);
    const { occurrence, due, twin, crashAfterReturn } = this.moments.call(step, this.armed);
    for (const fault of due) {
      switch (fault.type) {
        case 'kms-fault':
          this.planned.push({ operation: fault.operation, mode: fault.mode, remaining: fault.count });
          break;
        case 'operator-fix':
          await this.handFix(fault.fix);
          break;
      }
    }
    await this.checkpoint(`before ${step}${occurrence > 1 ? ` (call ${occurrence})` : ''}`);
    return this.caller.invoke(step, payload, twin, crashAfterReturn);
  }

  /** Begin's answer holds the canary keyturn sealed under the material before an on-demand rotation. */
  private noteCanary(answer: unknown): void {
    const ciphertext = (answer as { onDemand?: { canary?: { ciphertext?: unknown } } } | null)?.onDemand?.canary
      ?.ciphertext;
    if (typeof ciphertext === 'string') this.canaries.push(ciphertext);
  }

  // ---------------------------------------------------------------- InvocationOwner

  capture(_stream: 'stdout' | 'stderr', text: string): void {
    this.outputs.add('function-log', text);
  }

  onSecretsManagerRequest(): TapDecision | undefined {
    return undefined;
  }

  /** The kms-key function's request to KMS, through its environment's tap: a crash kills that process. */
  onTargetRequest(request: TappedRequest, environment: ExecutionEnvironment): TapDecision | undefined {
    if (!this.armed) return undefined;
    const call = ++this.kmsCalls;
    const ofOperation = (this.kmsCallsOf.get(request.operation) ?? 0) + 1;
    this.kmsCallsOf.set(request.operation, ofOperation);
    for (const fault of this.scenario.faults) {
      if (fault.type !== 'crash-at-kms-call' || this.fired.has(fault)) continue;
      const struck =
        fault.operation === 'any'
          ? fault.call === call
          : fault.operation === request.operation && fault.call === ofOperation;
      if (!struck) continue;
      this.fired.add(fault);
      this.struckCalls.push(`${request.operation} (${fault.timing})`);
      const crash = async (): Promise<'drop'> => {
        await this.caller.kill(environment);
        return 'drop';
      };
      return fault.timing === 'before-applying' ? { before: crash } : { after: crash };
    }
    const fault = this.planned.find((planned) => planned.remaining > 0 && planned.operation === request.operation);
    if (!fault) return undefined;
    fault.remaining -= 1;
    // KMS did the work; the answer is lost on the way back (the connection drops).
    if (fault.mode === 'after-applying') return { after: () => Promise.resolve('drop' as const) };
    const exception = fault.mode === 'throttling' ? 'ThrottlingException' : 'KMSInternalException';
    return {
      before: () => {
        this.env.kms.faults.failNext(request.operation, exception, 1);
        return Promise.resolve('pass' as const);
      },
    };
  }

  /** Every call the local KMS answers (any caller): what the harness learns of this world's keys. */
  private onKmsCall(call: KmsCall): void {
    const keyIds = call.keyArns.map(keyIdOfArn);
    if (call.operation === 'CreateKey' && !call.errorCode) {
      for (const keyId of keyIds) {
        this.created.add(keyId);
        this.run?.created.add(keyId);
      }
    }
    if (call.operation === 'DisableKey' && !call.errorCode) for (const keyId of keyIds) this.disabledEver.add(keyId);
    if (call.operation === 'RotateKeyOnDemand' && keyIds.includes(this.originalKeyId)) {
      if (!call.errorCode) this.onDemandRotations += 1;
      else if (call.errorCode === 'LimitExceededException') this.limitRefusals += 1;
    }
    if (call.operation === 'ScheduleKeyDeletion' && !call.errorCode) {
      for (const keyId of keyIds) {
        if (this.summary(keyId)?.aliases.includes(this.aliasName)) this.aliasedDeletions.push(keyId);
      }
    }
  }

  // ---------------------------------------------------------------- faults

  arm(): void {
    this.armed = true;
    this.moments.reset();
  }

  lift(): void {
    this.armed = false;
    this.planned.length = 0;
  }

  /** Waits until no call of this world runs any more; what still runs after SETTLE_MS is killed. */
  async settle(): Promise<void> {
    const deadline = Date.now() + SETTLE_MS;
    while (Date.now() < deadline) {
      if (!this.caller.busy()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.outputs.add('error', `harness: calls still running ${SETTLE_MS} ms after the faults were lifted were killed`);
    await this.caller.killAll();
  }

  /** An operator's hand fix between two tasks (see OperatorFix). */
  private async handFix(fix: OperatorFix): Promise<void> {
    const old = this.run?.oldKeyId;
    if (old === undefined) return;
    const state = () => this.summary(old)?.keyState;
    const done = (what: string) => this.handFixes.push(`${fix}: ${what}`);
    try {
      if ((fix === 'alias-back' || fix === 'cancel-deletion') && state() === 'PendingDeletion') {
        await this.kms.send(new CancelKeyDeletionCommand({ KeyId: old }));
        this.keptByOperator.add(old);
        done(`cancelled the deletion of ${old}`);
      }
      if ((fix === 'alias-back' || fix === 'enable-old') && state() === 'Disabled') {
        await this.kms.send(new EnableKeyCommand({ KeyId: old }));
        this.keptByOperator.add(old);
        done(`enabled ${old}`);
      }
      if (fix === 'alias-back' && state() === 'Enabled' && this.aliasTarget()?.keyId !== old) {
        await this.kms.send(new UpdateAliasCommand({ AliasName: this.aliasName, TargetKeyId: old }));
        done(`moved ${this.aliasName} back to ${old}`);
      }
      if (fix === 'delete-replacement') {
        // KMS's feed tells of every scenario's new keys: only this entry's, and none an alias points at.
        for (const keyId of this.run?.created ?? []) {
          const key = this.summary(keyId);
          if (key?.keyState !== 'Enabled' || key.aliases.length > 0 || !(await this.isEntryKey(keyId))) continue;
          await this.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
          done(`scheduled the deletion of the unaliased replacement ${keyId}`);
        }
      }
    } catch (error) {
      this.outputs.addError(error);
    }
  }

  // ---------------------------------------------------------------- observation

  private summary(keyId: string): LocalKmsKeySummary | undefined {
    return this.env.kms.keys().find((key) => key.keyId === keyId);
  }

  /** The key the alias points at now (the local KMS's own record). */
  aliasTarget(): LocalKmsKeySummary | undefined {
    return this.env.kms.keys().find((key) => key.aliases.includes(this.aliasName));
  }

  private find(invariant: Violation['invariant'], about: string, detail: string): void {
    const key = `${invariant} ${about}`;
    if (this.foundKeys.has(key)) return;
    this.foundKeys.add(key);
    this.findings.push({ invariant, detail });
  }

  /**
   * An observation point: the alias resolves to an Enabled key that does the round trip for its usage (the
   * consumer keeps what it made), and every key something was made under is Enabled unless keyturn retired it
   * (disabled it as its canary, once the alias had left it).
   */
  async checkpoint(where: string): Promise<void> {
    const target = this.aliasTarget();
    if (target === undefined) {
      this.find('lockout', 'alias', `${where}: ${this.aliasName} points at no key`);
    } else if (target.keyState !== 'Enabled') {
      this.find(
        'lockout',
        target.keyId,
        `${where}: ${this.aliasName} points at key ${target.keyId}, ${target.keyState}`,
      );
    } else {
      const failed = await this.consumer.roundTrip(where);
      if (failed !== undefined) this.find('lockout', `trip ${target.keyId}`, `${where}: ${failed}`);
    }
    const artefactKeys = new Set(this.artefacts.map((artefact) => artefact.keyId));
    for (const keyId of artefactKeys) {
      if (keyId === target?.keyId || this.disabledEver.has(keyId)) continue;
      const state = this.summary(keyId)?.keyState ?? 'gone';
      if (state === 'Enabled') continue;
      this.find(
        'lost-version',
        keyId,
        `${where}: key ${keyId}, under which the consumer made ${this.artefactsUnder(keyId)} MAC(s) or ciphertext(s), is ${state} though keyturn never retired it`,
      );
    }
  }

  /** What the consumer made so far. */
  get artefacts(): readonly KeyArtefact[] {
    return this.consumer.artefacts;
  }

  private artefactsUnder(keyId: string): number {
    return this.artefacts.filter((artefact) => artefact.keyId === keyId).length;
  }

  /** At the end: every ciphertext still decrypts; every MAC whose key is Enabled still verifies (one finding a key). */
  async verifyArtefacts(): Promise<void> {
    for (const artefact of this.artefacts) {
      // A MAC whose key is not Enabled cannot verify: whether keyturn retired that key, the checkpoints judge.
      if (this.scenario.key === 'hmac' && this.summary(artefact.keyId)?.keyState !== 'Enabled') continue;
      let why = 'a different answer';
      try {
        if (await this.consumer.stillWorks(artefact)) continue;
      } catch (error) {
        why = error instanceof Error ? error.name : 'Error';
      }
      this.find(
        'lost-version',
        `made under ${artefact.keyId}`,
        `what the consumer made under key ${artefact.keyId} (first: ${artefact.where}) no longer opens or verifies: ${why}`,
      );
    }
  }

  /** The plaintexts of keyturn's canaries (decrypted by the harness at the end): no output may hold them. */
  async canaryPlaintexts(): Promise<Uint8Array[]> {
    const plaintexts: Uint8Array[] = [];
    for (const ciphertext of this.canaries) {
      try {
        const opened = await this.kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from(ciphertext, 'base64') }));
        if (opened.Plaintext) plaintexts.push(opened.Plaintext);
      } catch (error) {
        this.outputs.addError(error);
      }
    }
    return plaintexts;
  }

  /** The entry's keys now: the original, and every key made during the scenario that keyturn tagged for the entry. */
  async entryKeys(): Promise<EntryKey[]> {
    const keys: EntryKey[] = [];
    for (const keyId of [this.originalKeyId, ...this.created]) {
      const summary = this.summary(keyId);
      const original = keyId === this.originalKeyId;
      if (!summary || (!original && !(await this.isEntryKey(keyId)))) continue;
      keys.push({ keyId, state: summary.keyState, original, keptByOperator: this.keptByOperator.has(keyId) });
    }
    return keys;
  }

  /** Whether keyturn tagged the key for this scenario's entry (keyturn:entry). */
  private async isEntryKey(keyId: string): Promise<boolean> {
    const tags = await this.kms.send(new ListResourceTagsCommand({ KeyId: keyId }));
    return tags.Tags?.some((tag) => tag.TagKey === REPLACEMENT_TAGS.entry && tag.TagValue === this.entryId) ?? false;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.armed = false;
    this.unsubscribe();
    await this.settle();
    this.kms.destroy();
  }
}
