import { MAX_PAGES_PER_EXECUTION, type FleetRequest } from '../../functions/fleet/contract';
import { FLEET_TOLERANCE_EXCEEDED } from '../../functions/fleet/errors';
import { LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { AUDIT_EVENT_SOURCE } from '../../functions/shared/metric-names';
import { LOCAL_ROTATION_FUNCTION_ARN } from '../../local/stack';
import { type LambdaHandler } from '../../local/stepfunctions/runner';
import { assertValidAsl } from '../support/asl';
import {
  bySecret,
  expectNotRotated,
  expectRotated,
  FLEET_ARN,
  FLEET_TAG,
  fleetAlerts,
  fleetDefinition,
  givenSecrets,
  handlers,
  LIFECYCLE_ARN,
  pageEvents,
  runFleet,
  SELECT_ARN,
  stack,
  UNREGISTERED_FUNCTION_ARN,
  useFleetStack,
} from '../support/fleet-harness';

/**
 * The fleet state machine (statemachines/fleet.asl.json) on the local Step Functions runner over the real
 * handlers: selection by tags or an explicit list, skipped and failed secrets, the failure tolerance, bad input,
 * and continuing in a new execution after its page limit. The mixed-kind fleet: fleet-mixed-kinds.test.ts.
 */

// A hang guard for a shared machine; no assertion depends on speed.
jest.setTimeout(600_000);

useFleetStack({ servers: false });

it('is valid ASL once its placeholders are filled', () => {
  expect(() => {
    assertValidAsl(fleetDefinition);
  }).not.toThrow();
  expect(JSON.stringify(fleetDefinition)).not.toMatch(/\$\{/);
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

  // A dry run says the same, as would-be skips with the rule, and records no page.
  const dry = await runFleet({ ...request, dryRun: true });
  expect(dry).toMatchObject({ status: 'SUCCEEDED', output: { dryRun: true, selected: 3, wouldSkip: 3, refused: 0 } });
  const refusals = (dry.output as { refusals: { secretArn: string; status: string; reason?: string }[] }).refusals;
  expect(refusals.map(({ secretArn, status, reason }) => ({ secretArn, status, reason })).sort(bySecret)).toEqual(
    secrets
      .map((secret) => ({ secretArn: secret.arn, status: 'skipped', reason: 'MinimumIntervalError' }))
      .sort(bySecret),
  );
  expect(pageEvents(dry.executionArn)).toEqual([]);
});

it('a dry run selects as usual and runs each lifecycle as a dry run: counts what would happen, changes and records nothing', async () => {
  const healthy = await givenSecrets(3, 'dry');
  // Its rotation function does not exist: pre-flight cannot run, so the dry run reports it refused.
  const [broken] = await givenSecrets(1, 'dry', UNREGISTERED_FUNCTION_ARN);
  const auditEventsBefore = stack.eventBridge.events({ source: AUDIT_EVENT_SOURCE }).length;
  const alertsBefore = stack.sns.messages().length;

  const result = await runFleet({
    selection: { tags: { [FLEET_TAG]: 'dry' } },
    alertTopicArn: stack.alertTopicArn,
    dryRun: true,
  });

  expect(result.history.at(-1)).toBe('FleetDryRunComplete');
  expect(result).toMatchObject({ status: 'SUCCEEDED' });
  expect(result.output).toEqual({
    dryRun: true,
    fleetId: result.executionArn,
    pages: 1,
    selected: 4,
    wouldRotate: 3,
    wouldSkip: 0,
    refused: 1,
    excluded: 0,
    refusals: [
      {
        secretArn: broken?.arn,
        status: 'failed',
        error: 'Lambda.ResourceNotFoundException',
        executionArn: expect.stringContaining(':execution:keyturn-lifecycle:') as unknown,
      },
    ],
    refusedPercentage: 25,
    toleratedFailurePercentage: 0,
    wouldExceedTolerance: true,
  });
  for (const secret of [...healthy, broken]) if (secret) await expectNotRotated(secret);
  expect(stack.eventBridge.events({ source: AUDIT_EVENT_SOURCE })).toHaveLength(auditEventsBefore);
  expect(stack.sns.messages()).toHaveLength(alertsBefore);
  // Every lifecycle was a dry run, ending in the dry run's own states.
  expect(result.childExecutions.map((execution) => (execution.input as { dryRun?: unknown }).dryRun)).toEqual([
    true,
    true,
    true,
    true,
  ]);
  expect(result.childExecutions.map((execution) => execution.history.at(-1)).sort()).toEqual([
    'DryRunComplete',
    'DryRunComplete',
    'DryRunComplete',
    'DryRunFailed',
  ]);
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
