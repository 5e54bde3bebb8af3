import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { generatePassword } from '../../functions/shared/password';
import { RANDOM_DEFAULT_POLICY } from '../../functions/strategies/password-defaults';
import { ManagementTag } from '../../functions/shared/management-tags';
import { AUDIT_EVENT_SOURCE } from '../../functions/shared/metric-names';
import type { LocalMariadb } from '../../local/databases/mariadb';
import type { LocalPostgres } from '../../local/databases/postgres';
import type { LocalRedis } from '../../local/databases/redis';
import { LOCAL_ROTATION_FUNCTION_ARN, startLocalStack, type LocalStack } from '../../local/stack';
import { LOCAL_COORDINATOR_FUNCTION_ARN, loadStateMachine } from '../../local/stepfunctions/definitions';
import { localFunctionArn, localStateMachineArn } from '../../local/stepfunctions/executions';
import {
  runStateMachine,
  type LambdaHandler,
  type RunStateMachineOptions,
  type StateMachineRunResult,
} from '../../local/stepfunctions/runner';
import { createSecret, stagesOf, valueAt } from './secrets';
import { serversUnavailable } from './servers';

/**
 * What the fleet state machine's test files share: the local stack with AWS's write quotas, the fleet and
 * lifecycle definitions run by the local Step Functions runner over the real handlers, and helpers to make
 * managed secrets and check what a fleet run did. Bindings are live: read them after the file's beforeAll.
 */
export const FLEET_ARN = localStateMachineArn('keyturn-fleet');
export const LIFECYCLE_ARN = localStateMachineArn('keyturn-lifecycle');
export const SELECT_ARN = localFunctionArn('keyturn-fleet-select');
export const SUMMARIZE_ARN = localFunctionArn('keyturn-fleet-summarize');
export const UNREGISTERED_FUNCTION_ARN = localFunctionArn('keyturn-rotate-nothing');
export const FLEET_TAG = 'keyturn-test:fleet';

export const fleetDefinition = loadStateMachine('fleet', {
  SelectFleetFunction: SELECT_ARN,
  SummarizeFleetFunction: SUMMARIZE_ARN,
  LifecycleStateMachine: LIFECYCLE_ARN,
});

export const lifecycleDefinition = loadStateMachine('lifecycle');

export let stack: LocalStack;
export let handlers: Record<string, LambdaHandler>;

export function databases(): { postgres: LocalPostgres; mariadb: LocalMariadb; redis: LocalRedis } {
  const { postgres, mariadb, redis } = stack;
  if (!postgres || !mariadb || !redis) throw new Error('the local stack did not start PostgreSQL, MariaDB and Redis');
  return { postgres, mariadb, redis };
}

/**
 * Starts the local stack for the calling file with AWS's write quotas on, and the fleet's, the coordinator's and
 * the rotation function's handlers. With `servers`, PostgreSQL, and MariaDB and Redis where installed.
 */
export function useFleetStack({ servers }: { readonly servers: boolean }): void {
  beforeAll(async () => {
    const withServers = servers && serversUnavailable(['mariadb', 'redis']) === undefined;
    stack = await startLocalStack({ quotas: true, postgres: servers, mariadb: withServers, redis: withServers });
    // The handlers build their clients at import: only now does the environment point at the stack.
    const fleet = await import('../../functions/fleet/handler');
    const coordinator = await import('../../functions/coordinator/handler');
    handlers = {
      [SELECT_ARN]: fleet.selectHandler,
      [SUMMARIZE_ARN]: fleet.summarizeHandler,
      [LOCAL_COORDINATOR_FUNCTION_ARN]: coordinator.handler,
      // The secrets' rotation function also runs the lifecycle tasks that reach their target.
      [LOCAL_ROTATION_FUNCTION_ARN]: stack.rotationHandler,
    };
  });

  afterAll(() => stack.stop());
}

export function runFleet(request: unknown, options: RunStateMachineOptions = {}): Promise<StateMachineRunResult> {
  return runStateMachine(fleetDefinition, request, {
    stateMachineArn: FLEET_ARN,
    lambdaHandlers: handlers,
    stateMachines: { [LIFECYCLE_ARN]: { definition: lifecycleDefinition } },
    // Grace and drain waits take no time; retries keep their backoff and jitter, ten times faster.
    wait: { ms: 0 },
    retry: { factor: 0.1 },
    ...options,
  });
}

export interface FleetSecret {
  readonly arn: string;
  /** AWSCURRENT before the fleet ran. */
  readonly versionId: string;
  readonly value: string;
}

/**
 * Turns rotation on through `functionArn` and waits for what Secrets Manager then runs: a whole rotation, or with
 * `rotateImmediately: false` only testSecret on the current value.
 */
export async function enableRotation(
  arn: string,
  {
    functionArn = LOCAL_ROTATION_FUNCTION_ARN,
    rotateImmediately,
  }: { functionArn?: string; rotateImmediately: boolean },
) {
  await stack.client.send(
    new RotateSecretCommand({
      SecretId: arn,
      RotationLambdaARN: functionArn,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: rotateImmediately,
    }),
  );
  return stack.secretsManager.waitForRotation(arn);
}

let secretCounter = 0;
/** A value the random strategy's default policy accepts, as a user's first key would be. */
export const initialValue = (): string => generatePassword(RANDOM_DEFAULT_POLICY);

/**
 * Random API-key secrets, keyturn-managed, with rotation enabled (RotateSecret with
 * RotateImmediately false: only testSecret runs) through `functionArn`. Quotas are off while they are set up.
 */
export async function givenSecrets(
  count: number,
  group: string,
  functionArn: string = LOCAL_ROTATION_FUNCTION_ARN,
  tags: Record<string, string> = {},
): Promise<FleetSecret[]> {
  stack.secretsManager.setQuotas(false);
  try {
    const secrets: FleetSecret[] = [];
    for (let start = 0; start < count; start += 25) {
      const batch = Array.from({ length: Math.min(25, count - start) }, async () => {
        secretCounter += 1;
        const value = initialValue();
        const { arn, versionId } = await createSecret(stack.client, `fleet/${group}/${secretCounter}`, value, {
          'keyturn:strategy': 'random',
          [ManagementTag.managed]: 'true',
          [FLEET_TAG]: group,
          ...tags,
        });
        await enableRotation(arn, { functionArn, rotateImmediately: false });
        return { arn, versionId, value };
      });
      secrets.push(...(await Promise.all(batch)));
    }
    return secrets;
  } finally {
    stack.secretsManager.setQuotas(true);
  }
}

/** The new AWSCURRENT is a new version holding a new value; AWSPREVIOUS is the version that was current; no AWSPENDING. */
export async function expectRotated(secret: FleetSecret): Promise<void> {
  const stages = await stagesOf(stack.client, secret.arn);
  expect(stages[secret.versionId]).toEqual(['AWSPREVIOUS']);
  const current = Object.entries(stages).filter(([, labels]) => labels.includes('AWSCURRENT'));
  expect(current).toHaveLength(1);
  expect(current[0]?.[0]).not.toBe(secret.versionId);
  expect(Object.values(stages).flat()).not.toContain('AWSPENDING');
  expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).not.toBe(secret.value);
}

export async function expectNotRotated(secret: FleetSecret): Promise<void> {
  expect((await stagesOf(stack.client, secret.arn))[secret.versionId]).toContain('AWSCURRENT');
  expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).toBe(secret.value);
}

export const bySecret = (a: { secretArn: string }, b: { secretArn: string }) => a.secretArn.localeCompare(b.secretArn);

export interface PageEvent {
  readonly fleetId: string;
  readonly page: number;
  readonly outcomes: { secretArn: string; status: string; error?: string; reason?: string; executionArn?: string }[];
}

export function pageEvents(fleetId: string): PageEvent[] {
  return stack.eventBridge
    .events({ source: AUDIT_EVENT_SOURCE, detailType: 'FleetPageRotated' })
    .map((event) => event.detail as unknown as PageEvent)
    .filter((detail) => detail.fleetId === fleetId);
}

/** The fleet's own alerts (each failed lifecycle also alerts, on its own). */
export function fleetAlerts() {
  return stack.sns
    .messages(stack.alertTopicArn)
    .filter((message) => message.subject?.includes('fleet rotations failed'));
}
