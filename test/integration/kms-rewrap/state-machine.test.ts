/**
 * statemachines/rewrap.asl.json end to end in the local runner: the real definition, the real re-wrap
 * function (createRewrapHandler, its SDK clients found through AWS_ENDPOINT_URL_DYNAMODB / _KMS /
 * _EVENTBRIDGE as a deployed function finds AWS), the local stack's DynamoDB (dynalite) and audit bus, and
 * moto's KMS. The loop runs slice after slice; a crashed slice (Lambda.Unknown) is retried from the last
 * checkpoint in the state; refused items and job errors end in named failures with their audit events.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createRewrapAudit } from '../../../functions/kms-rewrap/audit';
import { rewrapDynamoDbClient, rewrapKmsClient } from '../../../functions/kms-rewrap/clients';
import type { RewrapSummary } from '../../../functions/kms-rewrap/contract';
import { createRewrapHandler } from '../../../functions/kms-rewrap/handler';
import { eventBridgePutEvents } from '../../../functions/shared/event-bus';
import { loadStateMachine } from '../../../local/stepfunctions/definitions';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { RewrapWorld, requestFor, type KmsKey } from '../../support/kms-rewrap-harness';
import { motoUnavailableReason, startMotoServer, type MotoServer } from '../../support/moto';
import { runTestExecution } from '../../support/state-machine-run';

const REWRAP_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-kms-rewrap';

const motoReason = motoUnavailableReason();
if (motoReason !== undefined) {
  // eslint-disable-next-line no-console -- a skipped suite must be visible in the test output, with its reason
  console.warn(`kms-rewrap state machine: SKIPPED because ${motoReason}.`);
}
const describeWithMoto = motoReason === undefined ? describe : describe.skip;

describeWithMoto('rewrap.asl.json in the local runner (dynalite + moto KMS + the local audit bus)', () => {
  let stack: LocalStack;
  let moto: MotoServer;
  let world: RewrapWorld;
  let oldKey: KmsKey;
  let newKey: KmsKey;
  let strangerKey: KmsKey;
  const invocations = { count: 0, crashOn: 0 };
  let definition: object;
  let handlers: Record<string, (event: unknown) => Promise<unknown>>;

  beforeAll(async () => {
    [stack, moto] = await Promise.all([startLocalStack({ dynamodb: true }), startMotoServer()]);
    process.env.AWS_ENDPOINT_URL_KMS = moto.endpoint;
    world = new RewrapWorld(stack.dynamodb?.endpoint ?? '', moto.endpoint, []);
    [oldKey, newKey, strangerKey] = await Promise.all([world.createKey(), world.createKey(), world.createKey()]);
    const logger = new Logger({ serviceName: 'kms-rewrap-test', logLevel: 'SILENT' });
    const metrics = new Metrics({ namespace: 'keyturn', serviceName: 'kms-rewrap-test' });
    const handler = createRewrapHandler({
      // Built from the environment, as the deployed function's are.
      dynamodb: rewrapDynamoDbClient(),
      kms: rewrapKmsClient(),
      logger,
      metrics,
      audit: createRewrapAudit({
        putEvents: eventBridgePutEvents(new EventBridgeClient({})),
        busName: stack.auditBusName,
        logger,
        metrics,
      }),
      maxItemsPerSlice: 40,
      hooks: {
        afterItem: (settled) => {
          if (invocations.count === invocations.crashOn && settled === 10) {
            const crash = new Error('Process exited before completing request');
            crash.name = 'Lambda.Unknown';
            throw crash;
          }
        },
      },
    });
    handlers = {
      [REWRAP_FUNCTION_ARN]: (event) => {
        invocations.count += 1;
        return handler(event);
      },
    };
    definition = loadStateMachine('rewrap', { RewrapFunction: REWRAP_FUNCTION_ARN });
  });
  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL_KMS;
    await world.stop();
    await Promise.all([stack.stop(), moto.stop()]);
  });
  beforeEach(() => {
    invocations.count = 0;
    invocations.crashOn = 0;
  });

  test('loops slice after slice to the end; a slice that crashes is retried from the checkpoint; every item moves', async () => {
    // GIVEN 150 items under the old key (slices of 40 items), and a runtime that dies in the second slice
    await world.createTable('sm-keys');
    const plaintexts = await world.seed('sm-keys', 150, oldKey.arn);
    invocations.crashOn = 2;

    // WHEN the state machine runs the job
    const execution = await runTestExecution(
      stack,
      definition,
      { ...requestFor('sm-keys', newKey, [oldKey]) },
      handlers,
    );

    // THEN it succeeded with the job's summary, after 4 slices, one retried
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.history.filter((state) => state === 'RewrapSlice')).toHaveLength(4);
    expect(execution.events.filter((e) => e.type === 'StateRetried')).toHaveLength(1);
    expect(invocations.count).toBe(5);
    const summary = execution.output as RewrapSummary;
    expect(summary.jobId).toBe(execution.executionArn);
    expect(summary.counts.scanned).toBe(150);
    expect(summary.counts.rewrapped + summary.counts.alreadyCurrent).toBe(150);
    expect(summary.counts.alreadyCurrent).toBeGreaterThanOrEqual(10); // re-wrapped by the slice that died
    // ...the audit bus has the start and the completion of this execution
    expect(execution.audit).toEqual(['RewrapStarted', 'RewrapCompleted']);
    expect(execution.auditDetails[1]).toMatchObject({ counts: summary.counts, tableName: 'sm-keys' });
    // ...and every data key is intact under the new key
    const mismatches = await world.unwrapMismatches(await world.readAll('sm-keys'), (id) => ({
      keyArn: newKey.arn,
      plaintext: plaintexts.get(id),
    }));
    expect(mismatches).toEqual([]);
  });

  test('refused items fail the execution as RewrapItemsRefusedError after RewrapCompleted', async () => {
    // GIVEN items under the old key and three under a key nobody allowed
    await world.createTable('sm-mixed');
    await world.seed('sm-mixed', 30, oldKey.arn);
    await world.seed('sm-mixed', 3, strangerKey.arn, { prefix: 'stranger' });

    // WHEN the state machine runs the job
    const execution = await runTestExecution(
      stack,
      definition,
      { ...requestFor('sm-mixed', newKey, [oldKey]) },
      handlers,
    );

    // THEN it failed by name, the cause counts the refusals, and the completion was recorded
    expect(execution).toMatchObject({ status: 'FAILED', error: 'RewrapItemsRefusedError' });
    expect(execution.cause).toContain('3 of 33 items');
    expect(execution.cause).toContain('SourceKeyNotAllowedError');
    expect(execution.audit).toEqual(['RewrapStarted', 'RewrapCompleted']);
    expect(execution.auditDetails[1]).toMatchObject({ counts: { refused: 3, rewrapped: 30 } });
  });

  test('a job error goes to ReportFailure: RewrapFailed is recorded and the execution fails with the error name', async () => {
    // WHEN the job names a table that does not exist
    const execution = await runTestExecution(
      stack,
      definition,
      { ...requestFor('sm-no-such-table', newKey, [oldKey]) },
      handlers,
    );

    // THEN
    expect(execution).toMatchObject({ status: 'FAILED', error: 'RewrapTableNotFoundError' });
    expect(execution.history).toEqual(['Start', 'RewrapSlice', 'ReportFailure', 'JobFailed']);
    expect(execution.audit).toEqual(['RewrapFailed']);
    expect(execution.auditDetails[0]).toMatchObject({
      error: 'RewrapTableNotFoundError',
      tableName: 'sm-no-such-table',
    });
  });

  test('an invalid request fails at once as InvalidRewrapRequestError, naming the field', async () => {
    const execution = await runTestExecution(
      stack,
      definition,
      { ...requestFor('sm-keys', newKey, [oldKey]), fraction: 0.9 },
      handlers,
    );
    expect(execution).toMatchObject({ status: 'FAILED', error: 'InvalidRewrapRequestError' });
    expect(execution.cause).toContain('fraction');
    expect(execution.audit).toEqual(['RewrapFailed']);
  });
});
