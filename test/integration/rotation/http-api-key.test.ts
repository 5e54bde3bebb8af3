// The user-written spec of docs/strategies.md (Acme Notify) reaches the rotation function as it does in Lambda: in its
// environment, set before the handler is first imported; logs on at DEBUG, captured and checked for keys.
import { ACME_SPEC } from '../../../local/providers/acme';
process.env.KEYTURN_HTTP_PROVIDERS = JSON.stringify([ACME_SPEC]);
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';

import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import {
  acmeHarness,
  apiKeyTags,
  cloudflareHarness,
  datadogHarness,
  sendGridHarness,
  twilioHarness,
  type ApiKeyValue,
  type ProviderHarness,
} from '../../support/http-providers';
import { testRun } from '../../support/rotation-run';
import { createSecret, jsonAt, MANUAL_FUNCTION_ARN, rotateAndWait, stagesOf, valueAt } from '../../support/secrets';

/**
 * http-api-key through the real rotation function (in process) and the local Secrets Manager, against a local
 * fake of each preset's provider and of a provider keyturn has no preset for (the spec of docs/strategies.md).
 */
let stack: LocalStack;
const harnesses = new Map<string, ProviderHarness>();
/** Every key value these tests saw: none may appear in an error or a task's output. */
const keyValues = new Set<string>();

/** Everything the process writes while the tests run (the handler's JSON logs). */
const output: string[] = [];
let restoreOutput: () => void = () => undefined;

beforeAll(async () => {
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  restoreOutput = () => {
    for (const spy of spies) spy.mockRestore();
  };
  stack = await startLocalStack();
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  const started = await Promise.all([
    sendGridHarness(),
    twilioHarness(),
    datadogHarness(),
    cloudflareHarness(),
    acmeHarness(),
  ]);
  for (const h of started) harnesses.set(h.preset, h);
});
afterAll(async () => {
  restoreOutput();
  await Promise.all([...harnesses.values()].map((h) => h.stop()));
  await stack.stop();
});

afterAll(() => {
  // The logs of every rotation above, checked for every key the providers ever issued (revoked ones too).
  const logs = output.join('');
  expect(logs).toContain('new key created at the provider'); // the logs were captured
  const issued = [...harnesses.values()].flatMap((h) => h.fake.issuedValues);
  expect(issued.length).toBeGreaterThan(40);
  for (const value of issued) expect(logs).not.toContain(value);
});

let counter = 0;

/** An adopted secret holding a consumer's hand-made key, and the admin credential's secret. */
async function givenSecret(h: ProviderHarness) {
  counter++;
  const admin = await createSecret(stack.client, `${h.preset}/admin-${counter}`, h.adminSecretValue());
  const { key, secretValue } = h.givenKey(`app key ${counter}`);
  keyValues.add(key.value);
  const secret = await createSecret(stack.client, `${h.preset}/app-${counter}`, secretValue, apiKeyTags(h, admin.arn));
  return { arn: secret.arn, firstVersionId: secret.versionId, first: JSON.parse(secretValue) as ApiKeyValue };
}

/** The four steps, as Secrets Manager would retry them with the same token. */
async function runSteps(arn: string, token: string): Promise<void> {
  for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
    await stack.rotationHandler({ Step, SecretId: arn, ClientRequestToken: token });
  }
}

async function current(arn: string): Promise<ApiKeyValue> {
  const value = await jsonAt<ApiKeyValue>(stack.client, arn, 'AWSCURRENT');
  keyValues.add(value.apiKey);
  return value;
}

function expectNoKeyIn(text: string | undefined): void {
  for (const value of keyValues) expect(text ?? '').not.toContain(value);
}

const PROVIDERS = ['sendgrid', 'twilio', 'datadog', 'cloudflare', 'acme-notify'];
/** Providers whose key list says when a key was last used. */
const REPORTS_LAST_USE = new Set(['datadog', 'cloudflare', 'acme-notify']);

describe.each(PROVIDERS)('%s', (preset) => {
  const harness = (): ProviderHarness => {
    const found = harnesses.get(preset);
    if (!found) throw new Error(`no harness for ${preset}`);
    return found;
  };

  it('rotates the key at the provider: one new key named for the rotation, both work until revoke, then only the new one', async () => {
    const h = harness();
    const { arn, firstVersionId, first } = await givenSecret(h);

    const result = await rotateAndWait(stack, arn);

    expect(result).toMatchObject({ succeeded: true });
    const now = await current(arn);
    expect(now.keyId).not.toBe(first.keyId);
    expect(Object.keys(now).sort()).toEqual(Object.keys(first).sort()); // the secret's other fields are kept
    expect(h.fake.keysNamed(`keyturn-${result.token}`).map((k) => k.id)).toEqual([now.keyId]);
    expect(await h.works(now)).toBe(true);
    expect(await h.works(first)).toBe(true); // the grace window: consumers still holding it keep working
    expect((await stagesOf(stack.client, arn))[firstVersionId]).toEqual(['AWSPREVIOUS']);

    // Drain: the provider's last-used date where its list has one (a consumer uses the old key now), else unknown.
    await h.works(first);
    const drained = await stack.rotationHandler({
      task: 'drain',
      secretArn: arn,
      rotation: testRun(),
      previousVersionId: firstVersionId,
    });
    expect(drained).toMatchObject({ inUse: REPORTS_LAST_USE.has(preset) ? true : 'unknown' });

    const revoked = await stack.rotationHandler({
      task: 'revoke',
      secretArn: arn,
      rotation: testRun(),
      previousVersionId: firstVersionId,
    });

    expect(revoked).toMatchObject({ status: 'revoked' });
    expect(await h.works(first)).toBe(false); // the provider itself refuses the old key
    expect(await h.works(now)).toBe(true);
    expect(h.fake.keys.has(first.keyId)).toBe(false);
    expectNoKeyIn(JSON.stringify([drained, revoked]));

    // Revoke again (a retried task): the key is already gone (404/410), still confirmed rejected.
    await expect(
      stack.rotationHandler({ task: 'revoke', secretArn: arn, rotation: testRun(), previousVersionId: firstVersionId }),
    ).resolves.toMatchObject({ status: 'revoked', detail: expect.stringContaining('already gone') as string });
  });

  it('revokes, on the next attempt, a key the provider made but whose answer never arrived, and leaves one key', async () => {
    const h = harness();
    const { arn, first } = await givenSecret(h);
    h.fake.failNext(
      'create',
      { status: 500, json: { errors: [{ message: 'internal error' }] } },
      { timing: 'after-applying' },
    );

    const failed = await rotateAndWait(stack, arn);

    expect(failed).toMatchObject({ succeeded: false, failedStep: 'createSecret', errorName: 'ProviderRequestError' });
    expect(failed.errorMessage).toContain(`${preset} create key: HTTP 500`);
    const [orphan] = h.fake.keysNamed(`keyturn-${failed.token}`);
    expect(orphan).toBeDefined();
    keyValues.add(orphan?.value ?? '');
    await expect(valueAt(stack.client, arn, 'AWSPENDING')).rejects.toThrow(); // nothing stored

    await runSteps(arn, failed.token);

    const now = await current(arn);
    expect(now.keyId).not.toBe(orphan?.id);
    expect(h.fake.keysNamed(`keyturn-${failed.token}`).map((k) => k.id)).toEqual([now.keyId]);
    expect(h.fake.keys.has(orphan?.id ?? '')).toBe(false);
    expect(await h.works(now)).toBe(true);
    expect(await h.works(first)).toBe(true);
    expectNoKeyIn(failed.errorMessage);
  });

  it('revokes a key minted for a rotation an operator abandoned (AWSPENDING cleared, a new token), found by the chaos suite', async () => {
    const h = harness();
    const { arn, first } = await givenSecret(h);
    h.fake.failNext(
      'create',
      { status: 500, json: { errors: [{ message: 'internal error' }] } },
      { timing: 'after-applying' },
    );
    const failed = await rotateAndWait(stack, arn);
    expect(failed.succeeded).toBe(false);
    const [orphan] = h.fake.keysNamed(`keyturn-${failed.token}`);
    expect(orphan).toBeDefined();
    keyValues.add(orphan?.value ?? '');
    // The operator's hand fix: AWSPENDING off the stuck version, then a new rotation (a new token).
    if (((await stagesOf(stack.client, arn))[failed.token] ?? []).includes('AWSPENDING')) {
      await stack.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: arn,
          VersionStage: 'AWSPENDING',
          RemoveFromVersionId: failed.token,
        }),
      );
    }

    const next = await rotateAndWait(stack, arn);

    expect(next.succeeded).toBe(true);
    const now = await current(arn);
    expect(h.fake.keys.has(orphan?.id ?? '')).toBe(false);
    expect(h.fake.keysNamed(`keyturn-${failed.token}`)).toEqual([]);
    expect(await h.works(now)).toBe(true);
    expect(await h.works(first)).toBe(true);
    // The account is shared by this provider's tests, and some providers cap keys low: give both slots back.
    for (const id of [first.keyId, now.keyId]) h.fake.keys.delete(id);
  });

  it('revokes the stored key of a rotation given up before it became AWSCURRENT (no client was ever given it)', async () => {
    const h = harness();
    const { arn, first } = await givenSecret(h);
    const { token } = await rotateAndWait(stack, arn, MANUAL_FUNCTION_ARN); // AWSPENDING placeholder only
    await stack.rotationHandler({ Step: 'createSecret', SecretId: arn, ClientRequestToken: token });
    const stranded = await jsonAt<ApiKeyValue>(stack.client, arn, 'AWSPENDING');
    keyValues.add(stranded.apiKey);
    await stack.client.send(
      new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }),
    );

    const next = await rotateAndWait(stack, arn);

    expect(next.succeeded).toBe(true);
    const now = await current(arn);
    expect(h.fake.keys.has(stranded.keyId)).toBe(false);
    expect(await h.works(stranded)).toBe(false);
    expect(await h.works(now)).toBe(true);
    expect(await h.works(first)).toBe(true);
    for (const id of [first.keyId, now.keyId]) h.fake.keys.delete(id);
  });

  it('leaves one key when twin createSecret invocations race, and a retried createSecret mints none', async () => {
    const h = harness();
    const { arn } = await givenSecret(h);
    const { token } = await rotateAndWait(stack, arn, MANUAL_FUNCTION_ARN); // AWSPENDING placeholder only
    const create = () => stack.rotationHandler({ Step: 'createSecret', SecretId: arn, ClientRequestToken: token });

    const before = h.fake.requests.length;
    await Promise.all([create(), create()]);
    await create();
    // Each twin may mint a key (both listed before either stored); the one whose store lost revoked its own.
    const calls = h.fake.requests.slice(before);
    const minted = calls.filter((c) => /^create 20[01]$/.test(c)).length;
    expect(minted - calls.filter((c) => /^revoke 20[04]$/.test(c)).length).toBe(1);
    await runSteps(arn, token);

    const now = await current(arn);
    expect(h.fake.keysNamed(`keyturn-${token}`).map((k) => k.id)).toEqual([now.keyId]);
    expect(await h.works(now)).toBe(true);
  });

  it('waits out a 429 as the provider asks (Retry-After or its reset header) and succeeds', async () => {
    const h = harness();
    const { arn } = await givenSecret(h);
    h.fake.failNext('create', 'too-many-requests');
    const before = h.fake.requests.length;

    const result = await rotateAndWait(stack, arn);

    expect(result).toMatchObject({ succeeded: true });
    const calls = h.fake.requests.slice(before);
    expect(calls.filter((c) => c.startsWith('create'))).toEqual([
      'create 429',
      expect.stringMatching(/^create 20[01]$/),
    ]);
    expect(h.fake.keysNamed(`keyturn-${result.token}`)).toHaveLength(1);
  });

  it('fails with a named error on a provider 5xx, storing nothing and creating no key, and a retry then succeeds', async () => {
    const h = harness();
    const { arn, first } = await givenSecret(h);
    h.fake.failNext('create', { status: 503, json: { errors: [{ message: 'unavailable' }] } });

    const failed = await rotateAndWait(stack, arn);

    expect(failed).toMatchObject({ succeeded: false, failedStep: 'createSecret', errorName: 'ProviderRequestError' });
    expect(failed.errorMessage).toMatch(new RegExp(`^${preset} create key: HTTP 503 \\(the provider failed\\)`));
    expect(h.fake.keysNamed(`keyturn-${failed.token}`)).toEqual([]);
    expect((await current(arn)).keyId).toBe(first.keyId);

    await runSteps(arn, failed.token);

    expect(await h.works(await current(arn))).toBe(true);
  });
});
