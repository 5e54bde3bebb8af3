import { performance } from 'node:perf_hooks';
import type { QuotaSetting } from '../local/secretsmanager/quotas';
import {
  startLocalSecretsManager,
  type RotationEvent,
  type RotationRecord,
} from '../local/secretsmanager/local-secrets-manager';
import { LOCAL_ACCOUNT, LOCAL_REGION, LOCAL_ROTATION_FUNCTION_ARN } from '../local/stack';
import { processWritePacer } from '../functions/shared/write-pacing';

/**
 * The fleet bench's Secrets Manager side, in a process of its own (the second core): the local
 * Secrets Manager and the rotation function it invokes for the four steps, as in AWS where both
 * run apart from Step Functions and the task functions. Driven over IPC by bench/remote-secrets-manager.ts.
 */

export type SecretsManagerRequest =
  | { readonly id: number; readonly op: 'setQuotas'; readonly setting: QuotaSetting }
  | {
      readonly id: number;
      readonly op: 'resetRequestCounts' | 'requestCounts' | 'failedRotations' | 'cpuSeconds' | 'rotationMs' | 'stop';
    }
  | { readonly id: number; readonly op: 'waitForRotation'; readonly secretId: string; readonly timeoutMs: number }
  | { readonly id: number; readonly op: 'recordStepDurations'; readonly on: boolean }
  | { readonly id: number; readonly op: 'takeStepDurations' }
  | { readonly id: number; readonly op: 'takePacerWaits' };

/** The rotation function's write pacer: its pace (writes/s), and the total wait of each secret's writes (ms). */
export interface PacerWaits {
  readonly writesPerSecond: number;
  readonly waitedMsBySecret: Readonly<Record<string, number>>;
  readonly writes: number;
}

export type SecretsManagerMessage =
  { readonly ready: string } | { readonly id: number; readonly result?: unknown; readonly error?: string };

async function main(): Promise<void> {
  const secretsManager = await startLocalSecretsManager({
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    quotas: true,
  });
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secretsManager.endpoint;
  const { handler } = await import('../functions/rotate-secret/handler');
  // How long each secret's writes waited for the write pacer (one rotation per secret in the fleet).
  let waited = new Map<string, number>();
  let writes = 0;
  processWritePacer().onWait((secretId, waitedMs) => {
    waited.set(secretId, (waited.get(secretId) ?? 0) + waitedMs);
    writes += 1;
  });
  // Each step's duration while recording, for the cost model.
  let recording = false;
  let steps: number[] = [];
  secretsManager.registerRotationFunction(LOCAL_ROTATION_FUNCTION_ARN, async (event: RotationEvent) => {
    if (!recording) return handler(event);
    const started = performance.now();
    try {
      return await handler(event);
    } finally {
      steps.push(performance.now() - started);
    }
  });

  const answer = async (request: SecretsManagerRequest): Promise<unknown> => {
    switch (request.op) {
      case 'setQuotas':
        secretsManager.setQuotas(request.setting);
        return null;
      case 'resetRequestCounts':
        secretsManager.resetRequestCounts();
        return null;
      case 'requestCounts':
        return secretsManager.requestCounts();
      case 'cpuSeconds': {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1e6;
      }
      case 'rotationMs': {
        const runs = secretsManager.rotationHistory().filter((run) => run.mode === 'rotate' && run.endedAt);
        return runs.map((run) => (run.endedAt?.getTime() ?? 0) - run.startedAt.getTime());
      }
      case 'failedRotations':
        return secretsManager.rotationHistory().filter((run: RotationRecord) => run.outcome === 'failed').length;
      case 'waitForRotation':
        return (await secretsManager.waitForRotation(request.secretId, undefined, request.timeoutMs)).outcome;
      case 'recordStepDurations':
        recording = request.on;
        return null;
      case 'takeStepDurations': {
        const taken = steps;
        steps = [];
        return taken;
      }
      case 'takePacerWaits': {
        const taken: PacerWaits = {
          writesPerSecond: processWritePacer().writesPerSecond,
          waitedMsBySecret: Object.fromEntries(waited),
          writes,
        };
        waited = new Map();
        writes = 0;
        return taken;
      }
      case 'stop':
        await secretsManager.stop();
        setImmediate(() => process.exit(0));
        return null;
    }
  };
  process.on('message', (request: SecretsManagerRequest) => {
    answer(request).then(
      (result) => process.send?.({ id: request.id, result } satisfies SecretsManagerMessage),
      (error: unknown) =>
        process.send?.({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.send?.({ ready: secretsManager.endpoint } satisfies SecretsManagerMessage);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
