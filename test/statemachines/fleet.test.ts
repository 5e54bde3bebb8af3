import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { generatePassword } from '../../functions/shared/password';
import { RANDOM_DEFAULT_POLICY } from '../../functions/strategies/password-defaults';
import { MAX_PAGES_PER_EXECUTION, type FleetRequest } from '../../functions/fleet/contract';
import { FLEET_TOLERANCE_EXCEEDED } from '../../functions/fleet/errors';
import { LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import { STRATEGY_NAMES, type StrategyName } from '../../functions/strategies/strategy';
import { AUDIT_EVENT_SOURCE } from '../../functions/shared/metric-names';
import { processWritePacer } from '../../functions/shared/write-pacing';
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
import { assertValidAsl } from '../support/asl';
import { createSecret, stagesOf, valueAt, type DbSecret } from '../support/secrets';
import { describeWithServers, serversUnavailable } from '../support/servers';

// A hang guard, generous for a shared machine: the mixed fleet's time is CPU (rotations in this process), not
// waiting, so load stretches it. No assertion depends on speed.
jest.setTimeout(600_000);

const FLEET_ARN = localStateMachineArn('keyturn-fleet');
const LIFECYCLE_ARN = localStateMachineArn('keyturn-lifecycle');
const SELECT_ARN = localFunctionArn('keyturn-fleet-select');
const SUMMARIZE_ARN = localFunctionArn('keyturn-fleet-summarize');
const UNREGISTERED_FUNCTION_ARN = localFunctionArn('keyturn-rotate-nothing');
const FLEET_TAG = 'keyturn-test:fleet';

const fleetDefinition = loadStateMachine('fleet', {
  SelectFleetFunction: SELECT_ARN,
  SummarizeFleetFunction: SUMMARIZE_ARN,
  LifecycleStateMachine: LIFECYCLE_ARN,
});

const lifecycleDefinition = loadStateMachine('lifecycle');

let stack: LocalStack;
let handlers: Record<string, LambdaHandler>;

/** The servers the mixed fleet rotates users on: started when MariaDB and Redis are installed (else that test is skipped, saying why). */
const withServers = serversUnavailable(['mariadb', 'redis']) === undefined;

function databases(): { postgres: LocalPostgres; mariadb: LocalMariadb; redis: LocalRedis } {
  const { postgres, mariadb, redis } = stack;
  if (!postgres || !mariadb || !redis) throw new Error('the local stack did not start PostgreSQL, MariaDB and Redis');
  return { postgres, mariadb, redis };
}

beforeAll(async () => {
  stack = await startLocalStack({ quotas: true, postgres: true, mariadb: withServers, redis: withServers });
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

function runFleet(request: unknown, options: RunStateMachineOptions = {}): Promise<StateMachineRunResult> {
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

interface FleetSecret {
  readonly arn: string;
  /** AWSCURRENT before the fleet ran. */
  readonly versionId: string;
  readonly value: string;
}

/**
 * Turns rotation on through `functionArn` and waits for what Secrets Manager then runs: a whole rotation, or with
 * `rotateImmediately: false` only testSecret on the current value.
 */
async function enableRotation(
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
const initialValue = (): string => generatePassword(RANDOM_DEFAULT_POLICY);

/**
 * Random API-key secrets, keyturn-managed, with rotation enabled (RotateSecret with
 * RotateImmediately false: only testSecret runs) through `functionArn`. Quotas are off while they are set up.
 */
async function givenSecrets(
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
async function expectRotated(secret: FleetSecret): Promise<void> {
  const stages = await stagesOf(stack.client, secret.arn);
  expect(stages[secret.versionId]).toEqual(['AWSPREVIOUS']);
  const current = Object.entries(stages).filter(([, labels]) => labels.includes('AWSCURRENT'));
  expect(current).toHaveLength(1);
  expect(current[0]?.[0]).not.toBe(secret.versionId);
  expect(Object.values(stages).flat()).not.toContain('AWSPENDING');
  expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).not.toBe(secret.value);
}

async function expectNotRotated(secret: FleetSecret): Promise<void> {
  expect((await stagesOf(stack.client, secret.arn))[secret.versionId]).toContain('AWSCURRENT');
  expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).toBe(secret.value);
}

const bySecret = (a: { secretArn: string }, b: { secretArn: string }) => a.secretArn.localeCompare(b.secretArn);

interface PageEvent {
  readonly fleetId: string;
  readonly page: number;
  readonly outcomes: { secretArn: string; status: string; error?: string; reason?: string; executionArn?: string }[];
}

function pageEvents(fleetId: string): PageEvent[] {
  return stack.eventBridge
    .events({ source: AUDIT_EVENT_SOURCE, detailType: 'FleetPageRotated' })
    .map((event) => event.detail as unknown as PageEvent)
    .filter((detail) => detail.fleetId === fleetId);
}

/** The fleet's own alerts (each failed lifecycle also alerts, on its own). */
function fleetAlerts() {
  return stack.sns
    .messages(stack.alertTopicArn)
    .filter((message) => message.subject?.includes('fleet rotations failed'));
}

it('is valid ASL once its placeholders are filled', () => {
  expect(() => {
    assertValidAsl(fleetDefinition);
  }).not.toThrow();
  expect(JSON.stringify(fleetDefinition)).not.toMatch(/\$\{/);
});

/** One secret of the mixed fleet: its kind, and the credential it held before. */
interface MixedSecret {
  readonly kind: FleetKind;
  readonly arn: string;
  readonly before: string;
}

/** Every kind whose target runs here (an ElastiCache user needs the ElastiCache API: its own tests). */
// Kinds whose targets this test does not start (an ElastiCache API, IAM, a key provider) have their own tests.
const NOT_IN_THIS_FLEET = ['elasticache-user', 'iam-access-key', 'http-api-key'] as const;
type FleetKind = Exclude<StrategyName, (typeof NOT_IN_THIS_FLEET)[number]>;
const FLEET_KINDS = STRATEGY_NAMES.filter(
  (kind): kind is FleetKind => !(NOT_IN_THIS_FLEET as readonly string[]).includes(kind),
);
const PER_KIND = 17;
/** Throttles injected into each of PutSecretValue, UpdateSecretVersionStage and RotateSecret. */
const THROTTLES_INJECTED = 3;
/** Old credentials are revoked as soon as the new one verifies: the fleet runs the whole lifecycle. */
const REVOKE_AT_ONCE = {
  [LifecycleTag.graceSeconds]: '0',
  [LifecycleTag.drainMaxWaitSeconds]: '0',
  [LifecycleTag.whenStillInUse]: 'revoke',
};

describeWithServers(['mariadb', 'redis'])('a fleet of every kind under the write quota', () => {
  let masters: Record<'postgres' | 'mariadb' | 'redis', string>;

  beforeAll(async () => {
    const { postgres, mariadb, redis } = databases();
    stack.secretsManager.setQuotas(false);
    masters = {
      postgres: (await createSecret(stack.client, 'fleet/mixed/pg-master', postgres.masterSecretValue())).arn,
      mariadb: (await createSecret(stack.client, 'fleet/mixed/mariadb-master', mariadb.masterSecretValue())).arn,
      redis: (await createSecret(stack.client, 'fleet/mixed/redis-master', redis.masterSecretValue())).arn,
    };
  });

  /** The user on its server and the secret's first value: what a team would have before adopting keyturn. */
  async function givenCredential(kind: FleetKind, n: number): Promise<string> {
    const { postgres, mariadb, redis } = databases();
    const user = `fleet_${kind.replace(/-/g, '_').slice(0, 14)}_${n}`;
    const password = `Fleet-initial-${kind}-${n}`;
    switch (kind) {
      case 'random':
        return initialValue();
      case 'postgres-single-user':
      case 'postgres-alternating-users':
        await postgres.admin(`CREATE ROLE ${user} WITH LOGIN PASSWORD '${password}'`);
        return postgres.secretValue(
          user,
          password,
          kind === 'postgres-alternating-users' ? { masterarn: masters.postgres } : {},
        );
      case 'mysql-single-user':
      case 'mysql-alternating-users':
        await mariadb.admin('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password]);
        return mariadb.secretValue(
          user,
          password,
          kind === 'mysql-alternating-users' ? { masterarn: masters.mariadb } : {},
        );
      case 'redis-user':
        await redis.admin('ACL', 'SETUSER', user, 'on', `>${password}`, '~fleet:*', '+get');
        return redis.secretValue(user, password, { masterarn: masters.redis });
    }
  }

  /** Whether a secret value's credential opens its target (a random key has none: it is only compared). */
  async function authenticates(kind: FleetKind, value: string): Promise<boolean> {
    const { postgres, mariadb, redis } = databases();
    const { username, password } = JSON.parse(value) as DbSecret;
    if (kind.startsWith('postgres')) return postgres.canLogin(username, password);
    if (kind.startsWith('mysql')) return mariadb.canLogin(username, password);
    return redis.canLogin(username, password);
  }

  it(`rotates ${PER_KIND * FLEET_KINDS.length} secrets of six kinds through the whole lifecycle, paced under the write quota: every new credential works, every old one is revoked`, async () => {
    // GIVEN managed secrets of every kind, rotation enabled (quotas off while they are set up)
    stack.secretsManager.setQuotas(false);
    const secrets: MixedSecret[] = [];
    for (let n = 0; n < PER_KIND; n += 1) {
      const batch = FLEET_KINDS.map(async (kind) => {
        const initial = await givenCredential(kind, n);
        const { arn } = await createSecret(stack.client, `fleet/mixed/${kind}/${n}`, initial, {
          ...(kind === 'random' ? { 'keyturn:strategy': 'random' } : {}),
          [ManagementTag.managed]: 'true',
          [FLEET_TAG]: 'mixed',
          ...REVOKE_AT_ONCE,
        });
        // Alternating users are rotated once (the clone is created and becomes current): their testSecret
        // checks a pending value names the alternate user, which RotateImmediately=false cannot give it.
        const alternating = kind.endsWith('alternating-users');
        const { outcome, error } = await enableRotation(arn, { rotateImmediately: alternating });
        expect({ kind, outcome, error }).toEqual({ kind, outcome: 'succeeded' });
        return { kind, arn, before: alternating ? await valueAt(stack.client, arn, 'AWSCURRENT') : initial };
      });
      secrets.push(...(await Promise.all(batch)));
    }
    // AND AWS's write quota on (50/s shared by PutSecretValue, UpdateSecret, UpdateSecretVersionStage), keyturn's
    // pacer below it, and a few throttles injected anyway: the SDK's retries stay the safety net
    const pacer = processWritePacer();
    expect(pacer.writesPerSecond).toBeLessThan(50);
    stack.secretsManager.setQuotas(true);
    stack.secretsManager.resetRequestCounts();
    for (const operation of ['PutSecretValue', 'UpdateSecretVersionStage', 'RotateSecret']) {
      stack.secretsManager.faults.failNext(operation, THROTTLES_INJECTED, 'ThrottlingException');
    }
    const pacedWrites = new Map<string, number>();
    const stopListening = pacer.onWait((secretId) => pacedWrites.set(secretId, (pacedWrites.get(secretId) ?? 0) + 1));

    // WHEN the fleet rotates them all
    let result: StateMachineRunResult;
    try {
      result = await runFleet({ selection: { tags: { [FLEET_TAG]: 'mixed' } } });
    } finally {
      stopListening();
    }

    // THEN no rotation failed (failures first, each with its step and error, rather than just a failed fleet)
    const mine = new Set(secrets.map((secret) => secret.arn));
    const failedRuns = stack.secretsManager
      .rotationHistory()
      .filter((run) => mine.has(run.secretArn) && run.outcome !== 'succeeded');
    expect(failedRuns.map((run) => ({ secret: run.secretName, step: run.step, error: run.error }))).toEqual([]);
    expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED' });
    const total = secrets.length;
    expect(result.output).toMatchObject({ selected: total, succeeded: total, failed: 0, pages: 1 });
    // AND every lifecycle ended rotated, counted per kind
    const kindOf = new Map(secrets.map((secret) => [secret.arn, secret.kind]));
    const outcomes = pageEvents(result.executionArn).flatMap((event) => event.outcomes);
    const perKind: Record<string, Record<string, number>> = {};
    for (const outcome of outcomes) {
      const kind = kindOf.get(outcome.secretArn) ?? 'unknown';
      perKind[kind] = { ...perKind[kind], [outcome.status]: (perKind[kind]?.[outcome.status] ?? 0) + 1 };
    }
    expect(perKind).toEqual(Object.fromEntries(FLEET_KINDS.map((kind) => [kind, { rotated: PER_KIND }])));
    // AND each secret's new credential authenticates, and its old one no longer does
    for (let start = 0; start < secrets.length; start += 12) {
      await Promise.all(
        secrets.slice(start, start + 12).map(async (secret) => {
          const after = await valueAt(stack.client, secret.arn, 'AWSCURRENT');
          expect({ secret: secret.arn, changed: after !== secret.before }).toEqual({
            secret: secret.arn,
            changed: true,
          });
          if (secret.kind === 'random') return;
          expect({ kind: secret.kind, newWorks: await authenticates(secret.kind, after) }).toEqual({
            kind: secret.kind,
            newWorks: true,
          });
          expect({ kind: secret.kind, oldWorks: await authenticates(secret.kind, secret.before) }).toEqual({
            kind: secret.kind,
            oldWorks: false,
          });
        }),
      );
    }
    // AND every write went through the pacer (three per rotation: the pending value, AWSCURRENT, AWSPENDING
    // removed), and only those reached Secrets Manager; the injected throttles were met and retried
    expect(new Set(pacedWrites.values())).toEqual(new Set([3]));
    expect([...pacedWrites.keys()].sort()).toEqual([...mine].sort());
    const counts = stack.secretsManager.requestCounts();
    const admitted = ['PutSecretValue', 'UpdateSecret', 'UpdateSecretVersionStage'] as const;
    const injected = 2 * THROTTLES_INJECTED; // counted as requests, not as quota throttles
    expect(admitted.reduce((n, op) => n + (counts[op]?.requests ?? 0) - (counts[op]?.throttled ?? 0), 0)).toBe(
      3 * total + injected,
    );
    expect(stack.secretsManager.faults.pending()).toEqual([]);
    expect(fleetAlerts()).toEqual([]);
  });
});

it('rotates exactly an explicit list (duplicates once), leaving other secrets with the same tags alone', async () => {
  const secrets = await givenSecrets(6, 'explicit');
  const chosen = secrets.slice(0, 4);
  const request: FleetRequest = {
    selection: { secretArns: [...chosen.map((secret) => secret.arn), chosen[0]?.arn ?? ''] },
    reason: 'CHG-1234 rotate the payment keys',
  };

  const result = await runFleet(request);

  expect(result).toMatchObject({ status: 'SUCCEEDED', output: { selected: 4, succeeded: 4, failed: 0, pages: 1 } });
  for (const secret of chosen) await expectRotated(secret);
  for (const secret of secrets.slice(4)) await expectNotRotated(secret);
  // Every lifecycle got the fleet's input.
  expect(result.childExecutions.map((execution) => execution.input)).toEqual(
    expect.arrayContaining(
      chosen.map((secret) => ({
        secretArn: secret.arn,
        trigger: 'fleet',
        fleetExecutionArn: result.executionArn,
        reason: request.reason,
      })),
    ),
  );
});

it('reports secrets a policy rule keeps from rotating as skipped, not failed', async () => {
  const secrets = await givenSecrets(3, 'recent', LOCAL_ROTATION_FUNCTION_ARN, {
    [LifecycleTag.minIntervalSeconds]: '3600',
  });
  const request = { selection: { tags: { [FLEET_TAG]: 'recent' } } };
  expect((await runFleet(request)).output).toMatchObject({ succeeded: 3 });

  // An hour must pass between rotations: the second fleet run rotates none of them, and that is no failure.
  const again = await runFleet(request);

  expect(again).toMatchObject({
    status: 'SUCCEEDED',
    output: { selected: 3, succeeded: 0, skipped: 3, failed: 0, failurePercentage: 0 },
  });
  const outcomes = pageEvents(again.executionArn).flatMap((event) => event.outcomes);
  expect(outcomes.map(({ secretArn, status, reason }) => ({ secretArn, status, reason })).sort(bySecret)).toEqual(
    secrets
      .map((secret) => ({ secretArn: secret.arn, status: 'skipped', reason: 'MinimumIntervalError' }))
      .sort(bySecret),
  );
});

describe('tolerated failure percentage', () => {
  async function givenFleetWithBrokenSecrets(group: string) {
    const healthy = await givenSecrets(8, group);
    // Their rotation function does not exist: each rotation fails, as a missing Lambda would.
    const broken = await givenSecrets(2, group, UNREGISTERED_FUNCTION_ARN);
    return { healthy, broken };
  }

  it('within tolerance: the others rotate, the execution succeeds, one warning alert names the failed secrets', async () => {
    const { healthy, broken } = await givenFleetWithBrokenSecrets('tolerated');
    stack.sns.clear();

    const result = await runFleet({
      selection: { tags: { [FLEET_TAG]: 'tolerated' } },
      toleratedFailurePercentage: 20,
      alertTopicArn: stack.alertTopicArn,
    });

    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { selected: 10, succeeded: 8, failed: 2, failurePercentage: 20, toleratedFailurePercentage: 20 },
    });
    for (const secret of healthy) await expectRotated(secret);
    for (const secret of broken) await expectNotRotated(secret);
    const outcomes = pageEvents(result.executionArn).flatMap((event) => event.outcomes);
    expect(outcomes.filter((outcome) => outcome.status === 'failed')).toEqual(
      expect.arrayContaining(
        broken.map((secret) => ({
          secretArn: secret.arn,
          status: 'failed',
          error: 'Lambda.ResourceNotFoundException',
          executionArn: expect.stringContaining(':execution:keyturn-lifecycle:') as unknown,
        })),
      ),
    );
    const alerts = fleetAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.subject).toBe('keyturn: 2 of 10 fleet rotations failed');
    for (const secret of broken) expect(alerts[0]?.message).toContain(secret.arn);
    expect(alerts[0]?.attributes.severity).toMatchObject({ stringValue: 'warning' });
  });

  it('above tolerance: the others still rotate, and the execution fails with FleetFailureToleranceExceeded', async () => {
    const { healthy, broken } = await givenFleetWithBrokenSecrets('intolerable');
    stack.sns.clear();

    const result = await runFleet({
      selection: { tags: { [FLEET_TAG]: 'intolerable' } },
      toleratedFailurePercentage: 10,
      alertTopicArn: stack.alertTopicArn,
    });

    expect(result).toMatchObject({ status: 'FAILED', error: FLEET_TOLERANCE_EXCEEDED });
    expect(result.cause).toContain('2 of 10 rotations failed (20%), above the tolerated 10%');
    for (const secret of healthy) await expectRotated(secret);
    for (const secret of broken) await expectNotRotated(secret);
    expect(fleetAlerts().map((message) => message.attributes.severity)).toMatchObject([{ stringValue: 'critical' }]);
  });
});

describe('bad input fails the execution before anything rotates, with a named error', () => {
  it.each([
    [
      'both selections',
      { selection: { tags: { [FLEET_TAG]: 'x' }, secretArns: [] } },
      'InvalidFleetRequestError',
      /not both/,
    ],
    ['neither selection', { selection: {} }, 'InvalidFleetRequestError', /give tags or secretArns/],
    [
      'a malformed ARN',
      { selection: { secretArns: ['arn:aws:s3:::bucket'] } },
      'InvalidFleetRequestError',
      /secretArns\.0/,
    ],
    [
      'a selection that matches nothing',
      { selection: { tags: { [FLEET_TAG]: 'nobody' } } },
      'EmptyFleetSelectionError',
      /carries every selected tag/,
    ],
  ])('%s', async (_name, request, error, cause) => {
    const result = await runFleet(request);
    expect(result).toMatchObject({ status: 'FAILED', error });
    expect(result.cause).toMatch(cause);
    expect(result.history).toEqual(['Start', 'SelectPage', 'SelectionFailed']);
    expect(result.childExecutions).toEqual([]);
  });
});

it(`continues in a new execution after ${MAX_PAGES_PER_EXECUTION} pages, and the run ends with the totals of all`, async () => {
  // Pages of one item from a stand-in select, and a lifecycle that only succeeds: the paging path alone.
  const pages = MAX_PAGES_PER_EXECUTION + 3;
  const arnOf = (i: number) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:paged-${i}-AbCdEf`;
  const select: LambdaHandler = (event) => {
    const { progress, request } = event as { progress: { nextToken?: string | null }; request: FleetRequest };
    const token = progress.nextToken ?? request.continuation?.nextToken ?? null;
    const index = token === null ? 0 : Number(token);
    return Promise.resolve({
      chunks: [[arnOf(index)]],
      chunkConcurrency: 1,
      nextToken: index + 1 < pages ? String(index + 1) : null,
      excluded: 0,
      lifecycleInput: { trigger: 'fleet', fleetExecutionArn: 'x' },
    });
  };

  const result = await runFleet(
    { selection: { tags: { [FLEET_TAG]: 'paged' } } },
    {
      lambdaHandlers: { ...handlers, [SELECT_ARN]: select },
      stateMachines: { [LIFECYCLE_ARN]: { definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } } },
    },
  );

  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED' });
  expect(result.history.filter((state) => state === 'RotatePage')).toHaveLength(MAX_PAGES_PER_EXECUTION);
  expect(result.history.at(-1)).toBe('ContinuedInNewExecution');
  const continued = result.childExecutions.find((execution) => execution.stateMachineArn === FLEET_ARN);
  expect(result.output).toEqual({ continuedIn: continued?.executionArn });
  expect(continued).toMatchObject({
    status: 'SUCCEEDED',
    output: { fleetId: result.executionArn, pages, selected: pages, succeeded: pages, leftInUse: pages, failed: 0 },
  });
});
