import { startLocalStack, type LocalStack } from '../../../local/stack';
import { sendGridHarness, apiKeyTags, type ApiKeyValue, type ProviderHarness } from '../../support/http-providers';
import { testRun } from '../../support/rotation-run';
import { createSecret, jsonAt, MANUAL_FUNCTION_ARN, rotateAndWait, stagesOf } from '../../support/secrets';

let stack: LocalStack;
const harnesses: ProviderHarness[] = [];

beforeAll(async () => {
  stack = await startLocalStack();
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  harnesses.push(await sendGridHarness());
});
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.stop()));
  await stack.stop();
});

let counter = 0;

/** An adopted secret holding a consumer's hand-made key, and the admin credential's secret. */
async function givenSecret(harness: ProviderHarness) {
  counter++;
  const admin = await createSecret(stack.client, `${harness.preset}/admin-${counter}`, harness.adminSecretValue());
  const { key, secretValue } = harness.givenKey(`app key ${counter}`);
  const secret = await createSecret(
    stack.client,
    `${harness.preset}/app-${counter}`,
    secretValue,
    apiKeyTags(harness, admin.arn),
  );
  return {
    arn: secret.arn,
    firstVersionId: secret.versionId,
    first: { apiKey: key.value, keyId: key.id } as ApiKeyValue,
  };
}

describe.each(['sendgrid'])('%s', (preset) => {
  const harness = () => {
    const found = harnesses.find((h) => h.preset === preset);
    if (!found) throw new Error(`no harness for ${preset}`);
    return found;
  };

  it('rotates a key at the provider: one new key named for the rotation, both work until revoke, then only the new one', async () => {
    const h = harness();
    const { arn, firstVersionId, first } = await givenSecret(h);

    const result = await rotateAndWait(stack, arn);

    expect(result).toMatchObject({ succeeded: true });
    const current = await jsonAt<ApiKeyValue>(stack.client, arn, 'AWSCURRENT');
    expect(current.keyId).not.toBe(first.keyId);
    expect(h.fake.keysNamed(`keyturn-${result.token}`).map((k) => k.id)).toEqual([current.keyId]);
    expect(await h.works(current)).toBe(true);
    expect(await h.works(first)).toBe(true); // the grace window: consumers still holding it keep working
    expect((await stagesOf(stack.client, arn))[firstVersionId]).toEqual(['AWSPREVIOUS']);

    const revoked = await stack.rotationHandler({
      task: 'revoke',
      secretArn: arn,
      rotation: testRun(),
      previousVersionId: firstVersionId,
    });

    expect(revoked).toMatchObject({ status: 'revoked' });
    expect(await h.works(first)).toBe(false);
    expect(await h.works(current)).toBe(true);
    expect(JSON.stringify(revoked)).not.toContain(first.apiKey);
  });
});
