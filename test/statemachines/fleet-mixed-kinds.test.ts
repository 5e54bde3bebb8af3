import { LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import { STRATEGY_NAMES, type StrategyName } from '../../functions/strategies/strategy';
import { processWritePacer } from '../../functions/shared/write-pacing';
import { type StateMachineRunResult } from '../../local/stepfunctions/runner';
import { createSecret, valueAt, type DbSecret } from '../support/secrets';
import { describeWithServers } from '../support/servers';
import {
  databases,
  enableRotation,
  FLEET_TAG,
  fleetAlerts,
  initialValue,
  pageEvents,
  runFleet,
  stack,
  useFleetStack,
} from '../support/fleet-harness';

/**
 * The fleet state machine over a mixed fleet: 17 secrets of each of six kinds (PostgreSQL and MariaDB single and
 * alternating users, Redis ACL users, random values) through the whole lifecycle, under AWS's write quota with
 * keyturn's pacer, every new credential proven at its server and every old one revoked. Its own file: it is the
 * fleet's longest test, and the others need no database servers.
 */

// A hang guard, generous for a shared machine: the mixed fleet's time is CPU (rotations in this process), not
// waiting, so load stretches it. No assertion depends on speed.
jest.setTimeout(600_000);

useFleetStack({ servers: true });

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
// Quotas are off here (the paced writes are counted, not throttled), so eight of each kind show the same as more.
const PER_KIND = 8;
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
