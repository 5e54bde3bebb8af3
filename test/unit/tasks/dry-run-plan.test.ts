import {
  DEFAULT_LIFECYCLE_SETTINGS,
  DRAIN_CHECK_INTERVAL_SECONDS,
  EMERGENCY_REPLICA_SYNC_MAX_WAIT_SECONDS,
  REPLICA_SYNC_CHECK_INTERVAL_SECONDS,
  type LifecycleSettings,
} from '../../../functions/shared/lifecycle-contract';
import { planDryRun } from '../../../functions/tasks/dry-run-plan';
import { parseLifecycleRequest, parsePlanInput } from '../../../functions/tasks/input';
import type { PreflightSummary } from '../../../functions/tasks/preflight';
import { loadStateMachine } from '../../../local/stepfunctions/definitions';
import { testRun } from '../../support/rotation-run';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db/app-AbCdEf';
const VERSION = '0f8e7a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

function preflight(settings: LifecycleSettings, currentCredentialAuthenticates = true): PreflightSummary {
  return {
    secretArn: ARN,
    strategy: 'postgres-alternating-users',
    currentVersionId: VERSION,
    currentCredentialAuthenticates,
    settings,
  };
}

const settings = (revocation: Partial<LifecycleSettings['revocation']>, graceSeconds = 900): LifecycleSettings => ({
  ...DEFAULT_LIFECYCLE_SETTINGS,
  graceSeconds,
  revocation: { ...DEFAULT_LIFECYCLE_SETTINGS.revocation, ...revocation },
});

describe('planDryRun', () => {
  it("lists the lifecycle's steps with the secret's grace, drain wait and what happens to an old credential in use", () => {
    const plan = planDryRun({
      rotation: testRun({ entryId: 'orders-db', dryRun: true }),
      preflight: preflight(settings({ maxWaitSeconds: 3600, whenStillInUse: 'alert' }, 600)),
    });

    expect(plan).toMatchObject({
      secretArn: ARN,
      entryId: 'orders-db',
      strategy: 'postgres-alternating-users',
      emergency: false,
      currentVersionId: VERSION,
      currentCredentialAuthenticates: true,
    });
    expect(plan.steps).toEqual([
      expect.stringMatching(/^rotate: /),
      expect.stringMatching(/^verify: .*rolls back$/),
      'notify: a SecretRotated event on the audit bus',
      'grace 600 s: both credentials work',
      `drain up to 3600 s (a check every ${DRAIN_CHECK_INTERVAL_SECONDS} s) while the old credential is in use, then alert and leave it working`,
      'revoke the old credential',
    ]);
  });

  it('plans the replica sync of a replicated secret, in the lifecycle and (bounded shorter) in an emergency', () => {
    const replicated: LifecycleSettings = {
      ...DEFAULT_LIFECYCLE_SETTINGS,
      replicaSync: { maxWaitSeconds: 600, replicaRegions: ['eu-west-1', 'ap-south-1'] },
    };

    const lifecycle = planDryRun({ rotation: testRun({ dryRun: true }), preflight: preflight(replicated) });
    const emergency = planDryRun({
      rotation: testRun({ dryRun: true, emergency: true, trigger: 'emergency' }),
      preflight: preflight(replicated),
    });

    expect(lifecycle.steps[2]).toBe(
      `replica sync: wait up to 600 s (a check every ${REPLICA_SYNC_CHECK_INTERVAL_SECONDS} s) until eu-west-1, ` +
        'ap-south-1 serve the new AWSCURRENT; if not, keep the old credential working and alert',
    );
    expect(lifecycle.steps[3]).toMatch(/^notify: /);
    expect(lifecycle.steps[4]).toMatch(/^grace /);
    expect(emergency.steps).toContain(
      `replica sync: wait up to ${EMERGENCY_REPLICA_SYNC_MAX_WAIT_SECONDS} s (a check every ` +
        `${REPLICA_SYNC_CHECK_INTERVAL_SECONDS} s) until eu-west-1, ap-south-1 serve the new AWSCURRENT; if not, revoke anyway`,
    );
    // A secret without replicas has no such step.
    expect(
      planDryRun({ rotation: testRun({ dryRun: true }), preflight: preflight(DEFAULT_LIFECYCLE_SETTINGS) }).steps,
    ).not.toContain(expect.stringMatching(/^replica sync/));
  });

  it('says the drain checks once with a wait of 0, and revokes anyway (ending sessions) when the policy says so', () => {
    const plan = planDryRun({
      rotation: testRun({ dryRun: true }),
      preflight: preflight(settings({ maxWaitSeconds: 0, whenStillInUse: 'revoke', terminateSessions: true }, 0)),
    });

    expect(plan.steps.slice(2)).toEqual([
      'notify: a SecretRotated event on the audit bus',
      'grace 0 s: both credentials work',
      'drain: check once whether the old credential is still in use; if it is, then revoke it anyway',
      'revoke the old credential and end its open sessions',
    ]);
    expect(plan).not.toHaveProperty('entryId');
  });

  it('lists the auth-failure watch windows after the switch and after revoke when the entry has them', () => {
    const watched: LifecycleSettings = {
      ...settings({ maxWaitSeconds: 0, whenStillInUse: 'revoke' }, 0),
      authFailures: { threshold: 4, windowSeconds: 900, checkIntervalSeconds: 60 },
    };
    const plan = planDryRun({
      rotation: testRun({ dryRun: true }),
      preflight: parsePlanInput({ rotation: testRun({ dryRun: true }), preflight: preflight(watched) }).preflight,
    });

    expect(plan.steps).toEqual([
      expect.stringMatching(/^rotate: /),
      expect.stringMatching(/^verify: /),
      'notify: a SecretRotated event on the audit bus',
      'watch failed logins 900 s after the switch (a check every 60 s): more than 4 rolls back (only while the previous credential still authenticates), and alerts',
      'grace 0 s: both credentials work',
      expect.stringMatching(/^drain: /),
      'revoke the old credential',
      'watch failed logins 900 s after revoke (a check every 60 s): more than 4 reinstates the old credential where its kind can (AWSCURRENT stays), and alerts',
    ]);
    const emergency = planDryRun({
      rotation: testRun({ emergency: true, trigger: 'emergency' }),
      preflight: preflight(watched),
    });
    expect(emergency.steps.join('\n')).not.toMatch(/watch/);
  });

  it('plans an emergency without grace, drain or rollback, whatever the settings, and says when the current credential is broken', () => {
    const long = settings({ maxWaitSeconds: 86_400, whenStillInUse: 'alert' }, 86_400);
    const plan = planDryRun({
      rotation: testRun({ emergency: true, trigger: 'emergency' }),
      preflight: preflight(long, false),
    });

    expect(plan).toMatchObject({ emergency: true, currentCredentialAuthenticates: false, settings: long });
    expect(plan.steps).toEqual([
      'the current credential does not authenticate: an emergency rotation goes ahead anyway',
      expect.stringMatching(/^rotate: /),
      expect.stringMatching(/^verify: .*no rollback/),
      'no grace, no drain',
      expect.stringMatching(/^revoke the old credential at once, end its open sessions/),
      'notify after the revoke: a SecretRotated event (emergency: true) on the audit bus',
    ]);
    expect(plan.steps.join('\n')).not.toContain('86400');
  });

  it("plans an emergency's consumers told and refreshed after the revoke, never failing the run", () => {
    const withConsumers: LifecycleSettings = {
      ...DEFAULT_LIFECYCLE_SETTINGS,
      consumers: {
        cacheSeconds: 300,
        declaredGraceSeconds: 60,
        refreshCount: 1,
        consumers: [
          { name: 'orders-api', target: { kind: 'ecs-service', cluster: 'orders', service: 'orders-api' } },
          { name: 'reporting', target: { kind: 'event' } },
        ],
      },
    };

    const plan = planDryRun({
      rotation: testRun({ emergency: true, trigger: 'emergency' }),
      preflight: preflight(withConsumers),
    });

    expect(plan.steps.slice(-3)).toEqual([
      expect.stringMatching(/^revoke the old credential at once/),
      'notify after the revoke: a SecretRotated event (emergency: true) on the audit bus naming orders-api, reporting',
      'refresh consumers: orders-api (ecs:orders/orders-api); a failed refresh alerts, never fails the run',
    ]);
  });

  it("matches the lifecycle's DrainWait interval", () => {
    const lifecycle = loadStateMachine('lifecycle') as { States: { DrainWait: { Seconds: number } } };
    expect(lifecycle.States.DrainWait.Seconds).toBe(DRAIN_CHECK_INTERVAL_SECONDS);
  });
});

describe('dry-run input', () => {
  it('accepts dryRun as a boolean on the lifecycle request, and refuses anything else by field name', () => {
    expect(parseLifecycleRequest({ secretArn: ARN, trigger: 'on-demand', dryRun: true })).toMatchObject({
      dryRun: true,
    });
    expect(() => parseLifecycleRequest({ secretArn: ARN, trigger: 'on-demand', dryRun: 'yes' })).toThrow(
      expect.objectContaining({
        name: 'InvalidRequestError',
        message: expect.stringContaining('dryRun: expected boolean') as string,
      }) as Error,
    );
  });

  it("refuses a plan input without pre-flight's summary, naming the field", () => {
    expect(() => parsePlanInput({ rotation: testRun(), preflight: { secretArn: ARN } })).toThrow(
      expect.objectContaining({
        name: 'InvalidTaskInputError',
        message: expect.stringContaining('preflight.strategy') as string,
      }) as Error,
    );
  });
});
