import { randomUUID } from 'node:crypto';
import { forkFunctionProcess, type FunctionBundle, type FunctionProcess } from '../support/bundled-function';
import { RequestTap, type TapDecision, type TappedRequest } from './request-tap';

/**
 * The rotation function as Lambda runs it: execution environments (a Node.js process each, on the
 * bundle as deployed) that serve one invocation at a time and are reused while they live. A
 * process the harness kills fails its invocation as a Lambda runtime crash does; the next
 * invocation gets another environment, whose process started from scratch (a cold start). To keep
 * a thousand scenarios fast, a few environments are kept started ahead of need.
 */

/** Whoever an environment currently works for (a scenario): gets its output and rules on its requests. */
export interface InvocationOwner {
  /** The function's stdout and stderr while it works for this owner (and after, until another takes it). */
  capture(stream: 'stdout' | 'stderr', text: string): void;
  /** What to do with the function's n-th request to Secrets Manager. */
  onSecretsManagerRequest(request: TappedRequest, environment: ExecutionEnvironment): TapDecision | undefined;
  /** What to do with the function's request to another service (the local IAM or STS, or the local KMS). */
  onTargetRequest?(request: TappedRequest, environment: ExecutionEnvironment): TapDecision | undefined;
}

export class ExecutionEnvironment {
  owner: InvocationOwner | undefined;
  busy = false;

  constructor(
    readonly id: number,
    readonly process: FunctionProcess,
    readonly tap: RequestTap,
    /** The taps in front of the other services (IAM and STS, or KMS), when the runtime has them. */
    readonly targetTaps: readonly RequestTap[] = [],
  ) {}

  alive(): boolean {
    return this.process.alive();
  }

  /** A crash: SIGKILL, as when the runtime dies; resolves once the process is gone. */
  kill(): Promise<void> {
    return this.process.kill('SIGKILL');
  }
}

export interface FunctionRuntimeOptions {
  readonly bundle: FunctionBundle;
  /** The local Secrets Manager each environment's tap passes requests on to. */
  readonly secretsManagerEndpoint: string;
  /** Environment variables of every process, over this process's and the function's own. */
  readonly environment: Readonly<Record<string, string>>;
  /** Environments kept started and idle ahead of need. @default 2 */
  readonly warm?: number;
  /** Other services each environment reaches through a tap of its own (the owner's onTargetRequest rules on them). */
  readonly targets?: readonly TargetService[];
}

/** A service the function calls besides Secrets Manager: its endpoint, and the variable that names it (AWS_ENDPOINT_URL_IAM). */
export interface TargetService {
  readonly endpoint: string;
  readonly variable: string;
  /** Pass the Host header on as signed (the local IAM verifies SigV4). */
  readonly preserveHost?: boolean;
}

export interface InvokeOptions {
  readonly onEnvironment?: (environment: ExecutionEnvironment) => void;
  readonly crashAfterReturn?: boolean;
}

/** What Lambda answers for an invocation whose runtime process died (the same as a process killed mid-call). */
function runtimeExitError(): Error {
  return Object.assign(new Error(`RequestId: ${randomUUID()} Error: Runtime exited with error: signal: killed`), {
    name: 'Runtime.ExitError',
  });
}

export class FunctionRuntime {
  /** Environments started, killed, and invocations served so far. */
  readonly stats = { coldStarts: 0, kills: 0, invocations: 0 };
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private warming = 0;
  private nextId = 0;
  private stopped = false;

  constructor(private readonly options: FunctionRuntimeOptions) {}

  /** Starts the environments kept warm. */
  async start(): Promise<void> {
    const environments = await Promise.all(
      Array.from({ length: this.options.warm ?? 2 }, () => this.startEnvironment()),
    );
    this.idle.push(...environments);
  }

  /**
   * Invokes the function for `owner` in an idle environment (or a newly started one);
   * `onEnvironment` learns which, so the owner can kill it mid-call. `crashAfterReturn` kills the
   * process once the handler has answered and fails the invocation: the answer is lost.
   */
  async invoke(owner: InvocationOwner, event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    if (this.stopped) throw new Error('the function runtime is stopped');
    let environment = this.idle.pop();
    while (environment && !environment.alive()) {
      this.dispose(environment);
      environment = this.idle.pop();
    }
    environment ??= await this.startEnvironment();
    this.topUp();
    environment.owner = owner;
    environment.busy = true;
    this.stats.invocations += 1;
    options.onEnvironment?.(environment);
    try {
      const result = await environment.process.invoke(event);
      if (!options.crashAfterReturn) return result;
      await this.kill(environment);
      throw runtimeExitError();
    } finally {
      environment.busy = false;
      if (environment.alive() && !this.isStopped()) this.idle.push(environment);
      else this.dispose(environment);
    }
  }

  /** Read through a method: the flag changes while an invocation awaits. */
  private isStopped(): boolean {
    return this.stopped;
  }

  /** Kills an environment (a runtime crash); its invocation, if any, fails with Runtime.ExitError. */
  async kill(environment: ExecutionEnvironment): Promise<void> {
    if (!environment.alive()) return;
    this.stats.kills += 1;
    await environment.kill();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    while (this.warming > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all(
      [...this.all].map(async (environment) => {
        await environment.process.kill('SIGKILL');
        await stopTaps(environment);
      }),
    );
    this.all.clear();
    this.idle.length = 0;
  }

  /** Keeps the configured number of idle environments started, in the background. */
  private topUp(): void {
    const wanted = (this.options.warm ?? 2) - this.idle.length - this.warming;
    for (let i = 0; i < wanted; i++) {
      this.warming += 1;
      void this.startEnvironment()
        .then((environment) => {
          if (this.stopped) this.dispose(environment);
          else this.idle.push(environment);
        })
        .catch(() => undefined)
        .finally(() => {
          this.warming -= 1;
        });
    }
  }

  private async startEnvironment(): Promise<ExecutionEnvironment> {
    // The tap is started first (the process needs its address), and learns its environment once made.
    const served: { environment?: ExecutionEnvironment } = {};
    const tap = await RequestTap.start(this.options.secretsManagerEndpoint, (request) =>
      served.environment?.owner?.onSecretsManagerRequest(request, served.environment),
    );
    const decideTarget = (request: TappedRequest) =>
      served.environment?.owner?.onTargetRequest?.(request, served.environment);
    const targets = this.options.targets ?? [];
    const targetTaps = await Promise.all(
      targets.map((target) =>
        RequestTap.start(target.endpoint, decideTarget, { preserveHost: target.preserveHost === true }),
      ),
    );
    const process = forkFunctionProcess(this.options.bundle, {
      stdio: 'pipe',
      env: {
        ...this.options.environment,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: tap.endpoint,
        ...Object.fromEntries(targets.map((target, index) => [target.variable, targetTaps[index]?.endpoint ?? ''])),
      },
    });
    const created = new ExecutionEnvironment(++this.nextId, process, tap, targetTaps);
    served.environment = created;
    this.all.add(created);
    this.stats.coldStarts += 1;
    const forward = (stream: 'stdout' | 'stderr') => (chunk: Buffer) =>
      created.owner?.capture(stream, chunk.toString('utf8'));
    process.stdout?.on('data', forward('stdout'));
    process.stderr?.on('data', forward('stderr'));
    return created;
  }

  private dispose(environment: ExecutionEnvironment): void {
    if (!this.all.delete(environment)) return;
    void environment.process.kill('SIGKILL').then(() => stopTaps(environment));
  }
}

async function stopTaps(environment: ExecutionEnvironment): Promise<void> {
  await Promise.all([environment.tap.stop(), ...environment.targetTaps.map((tap) => tap.stop())]);
}
