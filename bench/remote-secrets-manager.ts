import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { OperationName } from '../local/secretsmanager/operation-names';
import type { QuotaSetting, RequestCount } from '../local/secretsmanager/quotas';
import type { PacerWaits, SecretsManagerMessage, SecretsManagerRequest } from './secretsmanager-process';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The local Secrets Manager (with keyturn's rotation function) running in a child process. */
export class RemoteSecretsManager {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    /** Where the AWS SDK reaches it (AWS_ENDPOINT_URL_SECRETS_MANAGER). */
    readonly endpoint: string,
  ) {
    child.on('message', (message: SecretsManagerMessage) => {
      if (!('id' in message)) return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result);
    });
  }

  /** Forks bench/secretsmanager-process.ts (through tsx) with this process's environment. */
  static start(env: NodeJS.ProcessEnv): Promise<RemoteSecretsManager> {
    const child = fork(join(__dirname, 'secretsmanager-process.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => {
        reject(new Error(`the Secrets Manager process exited with ${String(code)}`));
      });
      const onMessage = (message: SecretsManagerMessage) => {
        if ('ready' in message) {
          child.off('message', onMessage);
          resolve(new RemoteSecretsManager(child, message.ready));
        }
      };
      child.on('message', onMessage);
    });
  }

  private call(request: DistributiveOmit<SecretsManagerRequest, 'id'>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...request, id });
    });
  }

  async setQuotas(setting: QuotaSetting): Promise<void> {
    await this.call({ op: 'setQuotas', setting });
  }

  async resetRequestCounts(): Promise<void> {
    await this.call({ op: 'resetRequestCounts' });
  }

  async requestCounts(): Promise<Partial<Record<OperationName, RequestCount>>> {
    return (await this.call({ op: 'requestCounts' })) as Partial<Record<OperationName, RequestCount>>;
  }

  /** CPU time the process has used (user + system), in seconds. */
  async cpuSeconds(): Promise<number> {
    return (await this.call({ op: 'cpuSeconds' })) as number;
  }

  /** How long each rotation took, RotateSecret to the end of finishSecret (ms). */
  async rotationMs(): Promise<number[]> {
    return (await this.call({ op: 'rotationMs' })) as number[];
  }

  async failedRotations(): Promise<number> {
    return (await this.call({ op: 'failedRotations' })) as number;
  }

  async waitForRotation(secretId: string, timeoutMs = 30_000): Promise<string> {
    return (await this.call({ op: 'waitForRotation', secretId, timeoutMs })) as string;
  }

  /** Starts or stops recording how long each rotation step (one invocation of the rotation function) takes. */
  async recordStepDurations(on: boolean): Promise<void> {
    await this.call({ op: 'recordStepDurations', on });
  }

  /** The step durations (ms) recorded since the last call. */
  async takeStepDurations(): Promise<number[]> {
    return (await this.call({ op: 'takeStepDurations' })) as number[];
  }

  /** The write pacer of the rotation function in that process: its pace, and the waits recorded since the last call. */
  async takePacerWaits(): Promise<PacerWaits> {
    return (await this.call({ op: 'takePacerWaits' })) as PacerWaits;
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) =>
      this.child.once('exit', () => {
        resolve();
      }),
    );
    await this.call({ op: 'stop' });
    await exited;
  }
}
