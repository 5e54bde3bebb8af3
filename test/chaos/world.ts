import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { authFailureMetricTags, entryAuthFailureMetric } from '../../functions/shared/auth-failure-metric';
import { ManagementTag } from '../../functions/shared/management-tags';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../../functions/shared/stages';
import type { RotationEvent } from '../../local/secretsmanager/rotation';
import type { ChaosEnvironment } from './environment';
import { asStepFunctionsError, FunctionCaller, type ConcurrentError } from './function-caller';
import type { ExecutionEnvironment, InvocationOwner } from './function-runtime';
import { OutputLog } from './outputs';
import {
  ROTATION_STEPS,
  type Fault,
  type Invocation,
  type SecretScenario,
  type SecretsManagerFaultMode,
} from './scenario';
import type { TapDecision, TappedRequest } from './request-tap';
import { StepMoments } from './step-moments';
import { TcpProxy } from './tcp-proxy';
import type { IssuedKeyTarget } from './issued-keys';
import type { PreparedTarget, TargetDriver } from './targets';
import { CanaryReplicaFaults, canaryReplicaTags } from './canary-replica-world';

/**
 * One scenario's world: its own user on the shared server, its secret and master secret (naming
 * its own proxy), its own rotation function ARN, and the faults it arms. It is the rotation
 * function's caller (as Secrets Manager and the state machine call it) and decides, call by call,
 * which fault strikes.
 */

/** How long one rotation run may take before the harness stops waiting (a real one is bounded by Lambda's timeout). */
const ROTATION_WAIT_MS = 60_000;
/** How long in-flight calls may run on once the faults are lifted before they are killed. */
const SETTLE_MS = 30_000;

/** Worlds made in this process: names users, secrets and functions apart (a replay may repeat a scenario number). */
let worldsMade = 0;

export type RotationOutcome = 'succeeded' | 'failed' | 'refused' | 'abandoned' | 'hung';

export interface RotationAttempt {
  readonly token: string;
  readonly outcome: RotationOutcome;
  readonly errorName?: string;
  readonly failedStep?: string;
}

export type { ConcurrentError } from './function-caller';

/** The labels right after a rotation reported success, with nothing else running for the secret. */
export interface SuccessSnapshot {
  readonly token: string;
  readonly current?: string;
  readonly pending?: string;
}

export interface VersionLabels {
  readonly current?: string;
  readonly pending?: string;
  readonly previous?: string;
}

export class ScenarioWorld implements InvocationOwner {
  readonly outputs = new OutputLog();
  readonly functionArn: string;
  readonly concurrentErrors: ConcurrentError[];
  readonly successSnapshots: SuccessSnapshot[] = [];
  /** The faults that struck (a fault waiting for the 30th request may never strike). */
  readonly fired = new Set<Fault>();
  /** For a crash at an IAM/STS or provider call: which operation it struck (the trace shows it; value-free). */
  readonly struckCalls: string[] = [];
  /** SNS messages and audit events already there when the scenario began. */
  readonly startedAt: { readonly alerts: number; readonly auditEvents: number; readonly processOutput: number };

  private armed = false;
  private disposed = false;
  /** Set once the lifecycle execution has ended: a timed-out execution invokes nothing more, as in AWS. */
  private executionEnded = false;
  private readonly moments: StepMoments;
  private requests = 0;
  /** The function's requests to IAM/STS or the provider since the faults were armed. */
  private targetCalls = 0;
  private readonly targetCallsOf = new Map<string, number>();
  private packetBase = 0;
  private readonly caller: FunctionCaller;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The canary and replica faults, and what the harness saw of the canary and the replicas (value-free). */
  readonly canaryReplica: CanaryReplicaFaults;

  private constructor(
    readonly env: ChaosEnvironment,
    readonly scenario: SecretScenario,
    readonly driver: TargetDriver,
    readonly secretArn: string,
    readonly proxy: TcpProxy | undefined,
    id: number,
    /** The scenario's user at IAM or account at the provider (issued-key kinds). */
    readonly issued: IssuedKeyTarget | undefined,
  ) {
    this.functionArn = `arn:aws:lambda:us-east-1:123456789012:function:keyturn-chaos-${env.runId}-${id}`;
    this.caller = new FunctionCaller(env.runtime, this, this.outputs);
    this.moments = new StepMoments(scenario.faults, this.fired);
    this.concurrentErrors = this.caller.concurrentErrors;
    this.canaryReplica = new CanaryReplicaFaults(this);
    this.startedAt = {
      alerts: env.stack.sns.messages().length,
      auditEvents: env.stack.eventBridge.events().length,
      processOutput: env.capture.mark(),
    };
  }

  /** Creates the scenario's user, proxy, secrets and rotation function. */
  static async create(env: ChaosEnvironment, scenario: SecretScenario): Promise<ScenarioWorld> {
    const driver = env.drivers[scenario.target];
    const proxy = driver.server ? await TcpProxy.start(driver.server) : undefined;
    try {
      return await ScenarioWorld.make(env, scenario, driver, proxy);
    } catch (error) {
      await proxy?.stop();
      throw error;
    }
  }

  private static async make(
    env: ChaosEnvironment,
    scenario: SecretScenario,
    driver: TargetDriver,
    proxy: TcpProxy | undefined,
  ): Promise<ScenarioWorld> {
    const id = ++worldsMade;
    const user = `chaos_${env.runId}_${id}`;
    const prepared = await driver.prepare(user, proxy?.port);
    try {
      return await ScenarioWorld.makeSecrets(env, scenario, driver, proxy, id, prepared);
    } catch (error) {
      await prepared.issued?.stop();
      throw error;
    }
  }

  private static async makeSecrets(
    env: ChaosEnvironment,
    scenario: SecretScenario,
    driver: TargetDriver,
    proxy: TcpProxy | undefined,
    id: number,
    prepared: PreparedTarget,
  ): Promise<ScenarioWorld> {
    const prefix = `chaos/${env.runId}/${id}-${scenario.number}`;
    const tags: Record<string, string> = { ...prepared.tags };
    if (prepared.adminSecret) {
      const admin = await env.stack.client.send(
        new CreateSecretCommand({ Name: `${prefix}/admin`, SecretString: prepared.adminSecret.value }),
      );
      tags[prepared.adminSecret.tag] = admin.ARN as string;
    }
    Object.assign(tags, canaryReplicaTags(scenario));
    if (scenario.lifecycle) {
      Object.assign(tags, {
        [ManagementTag.managed]: 'true',
        [LifecycleTag.graceSeconds]: '0',
        [LifecycleTag.minIntervalSeconds]: '0',
        [LifecycleTag.drainMaxWaitSeconds]: '0',
        [LifecycleTag.whenStillInUse]: scenario.lifecycle.whenStillInUse,
        [LifecycleTag.terminateSessions]: String(scenario.lifecycle.terminateSessions),
      });
      if (scenario.lifecycle.authFailures) Object.assign(tags, chaosAuthFailureTags(env.runId, scenario.number));
    }
    let secretValue = prepared.secretValue;
    if (prepared.masterValue !== undefined) {
      const master = await env.stack.client.send(
        new CreateSecretCommand({ Name: `${prefix}/master`, SecretString: prepared.masterValue }),
      );
      secretValue = JSON.stringify({ ...(JSON.parse(secretValue) as object), masterarn: master.ARN });
    }
    const created = await env.stack.client.send(
      new CreateSecretCommand({
        Name: prefix,
        SecretString: secretValue,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        ...(scenario.replicas ? { AddReplicaRegions: scenario.replicas.regions.map((Region) => ({ Region })) } : {}),
      }),
    );
    const world = new ScenarioWorld(env, scenario, driver, created.ARN as string, proxy, id, prepared.issued);
    prepared.issued?.route((request) => world.onTargetRequest(request));
    env.stack.secretsManager.registerRotationFunction(world.functionArn, (event) =>
      world.invokeFromSecretsManager(event),
    );
    return world;
  }

  // ---------------------------------------------------------------- the function's callers

  /** Secrets Manager calls the function (one step of a rotation run). */
  invokeFromSecretsManager(event: RotationEvent): Promise<unknown> {
    return this.dispatch(event.Step, event, event.ClientRequestToken);
  }

  /** The lifecycle state machine calls the function (one task); a crash reaches it as `Lambda.Unknown`. */
  async invokeFromStateMachine(payload: unknown): Promise<unknown> {
    const task = (payload as { task?: unknown } | null)?.task;
    if (this.executionEnded) throw new Error('the lifecycle execution has ended (timed out): it invokes nothing more');
    this.failLoginsFor(payload);
    this.canaryReplica.noteTask(String(task), payload);
    try {
      const result = await this.dispatch(String(task) as Invocation, payload);
      if (task === 'revoke') await this.canaryReplica.afterRevoke();
      return result;
    } catch (error) {
      throw asStepFunctionsError(error);
    }
  }

  /** One more call of the function outside any fault (the harness's redrive of a task, as an operator would). */
  callQuietly(payload: unknown): Promise<unknown> {
    return this.caller.call(payload);
  }

  private authFailuresPlanted = false;

  /**
   * A breach scenario: as the window it names is first checked, consumers' failed logins appear in the secret's
   * signal metric (in the local CloudWatch, where the server log's metric filter would put them), once.
   */
  private failLoginsFor(payload: unknown): void {
    const watch = this.scenario.lifecycle?.authFailures;
    const phase = (payload as { task?: unknown; phase?: unknown } | null)?.phase;
    if (this.authFailuresPlanted || (payload as { task?: unknown }).task !== 'watch') return;
    if (!((watch === 'breach-switch' && phase === 'switch') || (watch === 'breach-revoke' && phase === 'revoke')))
      return;
    this.authFailuresPlanted = true;
    this.env.stack.cloudWatch.metrics.putValue({
      ...chaosAuthFailureMetric(this.env.runId, this.scenario.number),
      value: CHAOS_FAILED_LOGINS,
      unit: 'Count',
    });
  }

  private async dispatch(step: Invocation, event: unknown, token?: string): Promise<unknown> {
    if (this.disposed) throw new Error(`scenario ${this.scenario.number} has ended`);
    const { due, twin, crashAfterReturn } = this.moments.call(step, this.armed);
    const watches = await this.canaryReplica.beforeCall(due);
    for (const fault of due) {
      switch (fault.type) {
        case 'sm-fault':
          this.planSecretsManagerFault(fault.operation, fault.mode, fault.count);
          break;
        case 'db-outage':
          this.startOutage(fault.lastsMs);
          break;
        case 'race':
          this.startRace(fault.token, token);
          break;
        case 'target-fault':
          this.issued?.fail(fault.call, fault.mode, fault.count);
          break;
      }
    }
    try {
      return await this.caller.invoke(step, event, twin, crashAfterReturn);
    } finally {
      this.canaryReplica.afterCall(watches);
    }
  }

  // ---------------------------------------------------------------- InvocationOwner

  capture(_stream: 'stdout' | 'stderr', text: string): void {
    this.outputs.add('function-log', text);
  }

  onSecretsManagerRequest(tapped: TappedRequest, environment: ExecutionEnvironment): TapDecision | undefined {
    if (!this.armed) return undefined;
    const inTask = this.canaryReplica.onRequest(tapped.operation, environment);
    if (inTask) return inTask;
    const request = ++this.requests;
    for (const fault of this.scenario.faults) {
      if (fault.type !== 'crash-at-request' || fault.request !== request || this.fired.has(fault)) continue;
      this.fired.add(fault);
      const crash = async (): Promise<'drop'> => {
        await this.env.runtime.kill(environment);
        return 'drop';
      };
      return fault.timing === 'before-applying' ? { before: crash } : { after: crash };
    }
    return undefined;
  }

  /**
   * The function's request to IAM/STS (through its environment's tap: that process is killed) or to
   * the provider (through the scenario's tap: every process working for the scenario is killed).
   */
  onTargetRequest(request: TappedRequest, environment?: ExecutionEnvironment): TapDecision | undefined {
    if (!this.armed) return undefined;
    const call = ++this.targetCalls;
    const kind = this.issued?.callOf(request.operation);
    const callOfKind = kind === undefined ? 0 : (this.targetCallsOf.get(kind) ?? 0) + 1;
    if (kind !== undefined) this.targetCallsOf.set(kind, callOfKind);
    for (const fault of this.scenario.faults) {
      if (fault.type !== 'crash-at-call' || this.fired.has(fault)) continue;
      if (fault.of === 'any' ? fault.call !== call : fault.of !== kind || fault.call !== callOfKind) continue;
      this.fired.add(fault);
      this.struckCalls.push(`${request.operation} (${fault.timing})`);
      const crash = async (): Promise<'drop'> => {
        if (environment) await this.env.runtime.kill(environment);
        else await this.caller.killAll();
        return 'drop';
      };
      return fault.timing === 'before-applying' ? { before: crash } : { after: crash };
    }
    return this.issued?.decide(request);
  }

  private onDatabasePacket(total: number): 'continue' | 'cut' {
    if (!this.armed) return 'continue';
    this.canaryReplica.onPacket(total);
    const packet = total - this.packetBase;
    let after: 'continue' | 'cut' = 'continue';
    for (const fault of this.scenario.faults) {
      if (this.fired.has(fault)) continue;
      if (fault.type === 'crash-at-packet' && fault.packet === packet) {
        this.fired.add(fault);
        void this.caller.killAll();
      }
      if (fault.type === 'db-cut' && fault.packet === packet) {
        this.fired.add(fault);
        after = 'cut';
      }
    }
    return after;
  }

  // ---------------------------------------------------------------- faults

  /** The lifecycle execution has ended (the local runner may still retry a task of a timed-out one: AWS would not). */
  endExecution(): void {
    this.executionEnded = true;
  }

  /** From now on faults strike; counts of requests and packets start here. */
  arm(): void {
    this.armed = true;
    this.moments.reset();
    if (this.proxy) {
      this.packetBase = this.proxy.packets;
      this.proxy.onPacket = (total) => this.onDatabasePacket(total);
      for (const fault of this.scenario.faults) {
        if (fault.type !== 'db-delay') continue;
        this.fired.add(fault);
        this.proxy.delayMs = fault.ms;
      }
    }
  }

  /** Every fault stops: Secrets Manager answers, the database accepts connections at full speed. */
  async lift(): Promise<void> {
    this.armed = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.env.stack.secretsManager.faults.clear({ secretId: this.secretArn });
    this.issued?.clearFaults();
    this.canaryReplica.lift();
    if (this.proxy) {
      this.proxy.onPacket = undefined;
      this.proxy.delayMs = 0;
      await this.proxy.restore();
    }
  }

  private planSecretsManagerFault(operation: string, mode: SecretsManagerFaultMode, count: number): void {
    const exception =
      mode === 'throttling' ? 'ThrottlingException' : mode === 'access-denied' ? 'AccessDeniedException' : undefined;
    this.env.stack.secretsManager.faults.failNext(operation, count, exception, {
      timing: mode === 'after-applying' ? 'after-applying' : 'before-applying',
      secretId: this.secretArn,
    });
  }

  private startOutage(lastsMs: number | undefined): void {
    const proxy = this.proxy;
    if (!proxy) return;
    proxy.refuse();
    if (lastsMs === undefined) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(proxy.restore());
    }, lastsMs);
    this.timers.add(timer);
  }

  private startRace(token: 'same' | 'new', currentToken: string | undefined): void {
    if (token === 'new') {
      this.track(this.rotate());
      return;
    }
    if (currentToken !== undefined) this.track(this.duplicateRun(currentToken));
  }

  /** A second run of the same rotation (the same token), step by step, as a duplicate trigger would make. */
  private async duplicateRun(token: string): Promise<void> {
    const rotationToken = randomUUID();
    for (const Step of ROTATION_STEPS) {
      try {
        await this.caller.call({
          Step,
          SecretId: this.secretArn,
          ClientRequestToken: token,
          RotationToken: rotationToken,
        });
      } catch (error) {
        this.noteConcurrentError(`racing run (same token) ${Step}`, error);
        return;
      }
    }
  }

  /** A crash of every process working for the scenario (a crash-in-task at a database packet). */
  killAll(): Promise<void> {
    return this.caller.killAll();
  }

  get isArmed(): boolean {
    return this.armed;
  }

  private noteConcurrentError(source: string, error: unknown): void {
    this.caller.noteConcurrentError(source, error);
  }

  private track(work: Promise<unknown>): void {
    this.caller.track(work);
  }

  /**
   * Waits until nothing runs for the secret any more: twin calls, racing runs, rotations Secrets
   * Manager is still running. What is still running after SETTLE_MS is killed.
   */
  async settle(): Promise<void> {
    const deadline = Date.now() + SETTLE_MS;
    while (Date.now() < deadline) {
      const running = this.env.stack.secretsManager
        .rotationHistory(this.secretArn)
        .some((record) => record.outcome === 'in-progress');
      if (!running && !this.caller.busy()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.outputs.add('error', `harness: calls still running ${SETTLE_MS} ms after the faults were lifted were killed`);
    await this.caller.killAll();
  }

  // ---------------------------------------------------------------- what Secrets Manager and operators do

  /**
   * RotateSecret, as the schedule (a new token) or Secrets Manager's retry (the stuck version's
   * token) would call it, and the run's end.
   */
  async rotate(token: string = randomUUID()): Promise<RotationAttempt> {
    await this.retireStaleKey();
    try {
      await this.env.stack.client.send(
        new RotateSecretCommand({
          SecretId: this.secretArn,
          ClientRequestToken: token,
          RotationLambdaARN: this.functionArn,
          RotationRules: { AutomaticallyAfterDays: 30 },
        }),
      );
    } catch (error) {
      this.outputs.addError(error);
      return { token, outcome: 'refused', errorName: (error as Error).name };
    }
    let record;
    try {
      record = await this.env.stack.secretsManager.waitForRotation(this.secretArn, token, ROTATION_WAIT_MS);
    } catch {
      return { token, outcome: 'hung' };
    }
    const outcome = record.outcome === 'in-progress' ? 'hung' : record.outcome;
    if (outcome === 'succeeded' && !this.caller.busy()) {
      this.successSnapshots.push({ token, ...this.labels() });
    }
    return {
      token,
      outcome,
      ...(record.error ? { errorName: record.error.name } : {}),
      ...(outcome === 'succeeded' || record.step === undefined ? {} : { failedStep: record.step }),
    };
  }

  /**
   * Which versions hold AWSCURRENT, AWSPENDING and AWSPREVIOUS now, from the local Secrets Manager's
   * journal of label moves: the harness's bookkeeping never takes a fault planned for the function.
   */
  labels(): VersionLabels {
    const holders = new Map<string, string>();
    for (const change of this.env.stack.secretsManager.labelHistory(this.secretArn)) {
      if (change.change === 'attached') holders.set(change.label, change.versionId);
      else if (holders.get(change.label) === change.versionId) holders.delete(change.label);
    }
    const [current, pending, previous] = [holders.get(AWSCURRENT), holders.get(AWSPENDING), holders.get(AWSPREVIOUS)];
    return {
      ...(current ? { current } : {}),
      ...(pending ? { pending } : {}),
      ...(previous ? { previous } : {}),
    };
  }

  /** The version a rotation left holding AWSPENDING without AWSCURRENT (a stuck rotation), if any. */
  stuckPending(): string | undefined {
    const { current, pending } = this.labels();
    return pending !== undefined && pending !== current ? pending : undefined;
  }

  /** An operator's hand fix: takes AWSPENDING off the stuck version so that a new rotation can start. */
  async clearStuckPending(): Promise<boolean> {
    const stuck = this.stuckPending();
    if (stuck === undefined) return false;
    try {
      await this.env.stack.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: this.secretArn,
          VersionStage: AWSPENDING,
          RemoveFromVersionId: stuck,
        }),
      );
      return true;
    } catch (error) {
      this.outputs.addError(error);
      return false;
    }
  }

  /** Whether AWSCURRENT's credential authenticates against the server itself. */
  async currentAuthenticates(): Promise<boolean | undefined> {
    const value = await this.env.readCurrent(this.secretArn);
    if (value === undefined) return undefined;
    return this.authenticates(value);
  }

  /** Whether a value of this scenario's secret authenticates at the server, IAM or the provider itself. */
  authenticates(value: string): Promise<boolean> {
    return this.issued ? this.issued.authenticates(value) : this.env.authenticates(this.scenario.target, value);
  }

  /**
   * Issued-key kinds, before a rotation starts (the schedule's, a retry, or a lifecycle execution's): the
   * operator's retirement of AWSPREVIOUS's still-active key (see IssuedKeyTarget.beforeRotation).
   */
  async retireStaleKey(): Promise<void> {
    if (!this.issued) return;
    try {
      await this.issued.beforeRotation(await this.labelValues());
    } catch (error) {
      this.outputs.addError(error);
    }
  }

  /** The values of the versions holding AWSCURRENT, AWSPENDING and AWSPREVIOUS now. */
  private async labelValues(): Promise<{ current?: string; pending?: string; previous?: string }> {
    const labels = this.labels();
    const read = async (versionId: string | undefined): Promise<string | undefined> => {
      if (versionId === undefined) return undefined;
      try {
        const out = await this.env.stack.client.send(
          new GetSecretValueCommand({ SecretId: this.secretArn, VersionId: versionId }),
        );
        return out.SecretString;
      } catch {
        return undefined;
      }
    };
    const [current, pending, previous] = await Promise.all([
      read(labels.current),
      read(labels.pending),
      read(labels.previous),
    ]);
    return {
      ...(current === undefined ? {} : { current }),
      ...(pending === undefined ? {} : { pending }),
      ...(previous === undefined ? {} : { previous }),
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.armed = false;
    for (const timer of this.timers) clearTimeout(timer);
    await this.proxy?.stop();
    await this.issued?.stop();
  }
}

/** Failed logins a breach scenario plants: above the threshold of {@link chaosAuthFailureTags}. */
const CHAOS_FAILED_LOGINS = 5;

/** The scenario's signal metric: its own, so scenarios never see each other's failures. */
function chaosAuthFailureMetric(runId: string, scenario: number): { namespace: string; metricName: string } {
  return entryAuthFailureMetric(`chaos-${runId}-${scenario}`);
}

/** Watch windows of 120 s checked every 60 s (5 ms waits here), a threshold of 2, and the scenario's metric. */
function chaosAuthFailureTags(runId: string, scenario: number): Record<string, string> {
  return {
    [LifecycleTag.authFailuresThreshold]: '2',
    [LifecycleTag.authFailuresWindowSeconds]: '120',
    [LifecycleTag.authFailuresCheckSeconds]: '60',
    ...authFailureMetricTags(entryAuthFailureMetric(`chaos-${runId}-${scenario}`)),
  };
}
