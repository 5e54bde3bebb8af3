/**
 * The rotation function's writes wait for the write pacer (functions/shared/write-pacer.ts): a write whose
 * slot would come after the invocation's deadline fails the step at once with WriteQuotaWaitError, writing
 * nothing, instead of running into the Lambda timeout; a write whose slot comes in time waits and succeeds.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { generatePassword } from '../../../functions/shared/password';
import { processWritePacer, writePacerFromEnvironment } from '../../../functions/shared/write-pacing';
import { RANDOM_DEFAULT_POLICY } from '../../../functions/strategies/password-defaults';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { createSecret, MANUAL_FUNCTION_ARN, rotateAndWait, stagesOf } from '../../support/secrets';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack();
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
});
afterAll(() => stack.stop());

/** A random secret with a rotation started and stuck at AWSPENDING (no step ran): the token to drive steps with. */
async function givenPendingRotation(name: string): Promise<{ arn: string; token: string }> {
  const { arn } = await createSecret(stack.client, name, generatePassword(RANDOM_DEFAULT_POLICY), {
    'keyturn:strategy': 'random',
  });
  const { token } = await rotateAndWait(stack, arn, MANUAL_FUNCTION_ARN);
  return { arn, token };
}

/**
 * Reserves the next `seconds` of the process's write schedule (the local stack's functions share it), as
 * writers elsewhere would; `waitForSlots: false` reserves without waiting for the slots to come.
 */
async function occupyTheSchedule(seconds: number, waitForSlots = true): Promise<void> {
  const clock = waitForSlots ? undefined : { nowMs: () => Date.now(), sleep: () => Promise.resolve() };
  const pacer = writePacerFromEnvironment(process.env, clock);
  const writes = Math.ceil(seconds * pacer.writesPerSecond);
  await Promise.all(Array.from({ length: writes }, (_, i) => pacer.acquire(`someone-else-${i}`, Date.now() + 600_000)));
}

const lambdaContext = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

it('a write whose slot comes in time waits for it, then the step succeeds', async () => {
  const { arn, token } = await givenPendingRotation('pacing/in-time');
  const others = occupyTheSchedule(0.5);
  const waits: number[] = [];
  const stop = processWritePacer().onWait((secretId, waitedMs) => {
    if (secretId === arn) waits.push(waitedMs);
  });

  try {
    await stack.rotationHandler(
      { Step: 'createSecret', SecretId: arn, ClientRequestToken: token },
      lambdaContext(45_000),
    );
  } finally {
    stop();
  }

  await expect(
    stack.client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token })),
  ).resolves.toMatchObject({ VersionId: token, VersionStages: ['AWSPENDING'] });
  expect(waits).toHaveLength(1);
  await others;
});

it('a write that would wait past the deadline fails the step with WriteQuotaWaitError and writes nothing', async () => {
  const { arn, token } = await givenPendingRotation('pacing/late');
  // (The last test here: the schedule stays taken for the next minute.)
  await occupyTheSchedule(60, false);

  // One second left: a quarter of it is kept back, so the write may wait 0.75 s; its slot is a minute away.
  const step = stack.rotationHandler(
    { Step: 'createSecret', SecretId: arn, ClientRequestToken: token },
    lambdaContext(1_000),
  );

  await expect(step).rejects.toMatchObject({
    name: 'WriteQuotaWaitError',
    message: expect.stringMatching(
      /^a write to arn:aws:secretsmanager:.*pacing\/late.* would wait \d+\.\d s for Secrets Manager's write quota/,
    ) as unknown,
  });
  // No pending value was stored: the version still has no value and only its AWSPENDING label.
  await expect(stack.client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token }))).rejects.toMatchObject(
    { name: 'ResourceNotFoundException' },
  );
  expect((await stagesOf(stack.client, arn))[token]).toEqual(['AWSPENDING']);
});
