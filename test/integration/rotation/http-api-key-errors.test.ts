import { ACME_SPEC } from '../../../local/providers/acme';
process.env.KEYTURN_HTTP_PROVIDERS = JSON.stringify([ACME_SPEC]);

import { createHttpApiKeyStrategy } from '../../../functions/strategies/http/strategy';
import { OptionTag } from '../../../functions/strategies/tag-options';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import {
  acmeHarness,
  apiKeyTags,
  cloudflareHarness,
  sendGridHarness,
  twilioHarness,
  type ApiKeyValue,
  type ProviderHarness,
} from '../../support/http-providers';
import { createSecret, jsonAt, rotateAndWait, valueAt } from '../../support/secrets';
import { strategyContext } from '../../support/strategy-context';

/**
 * http-api-key's bad inputs, each a named error that names the provider, the call and the status, never a key;
 * nothing stored, and no key left behind at the provider.
 */
let stack: LocalStack;
let sendgrid: ProviderHarness;
let twilio: ProviderHarness;
let cloudflare: ProviderHarness;
let acme: ProviderHarness;
const keyValues = new Set<string>();

beforeAll(async () => {
  stack = await startLocalStack();
  [sendgrid, twilio, cloudflare, acme] = await Promise.all([
    sendGridHarness(),
    twilioHarness(),
    cloudflareHarness(),
    acmeHarness(),
  ]);
});
afterAll(async () => {
  await Promise.all([sendgrid, twilio, cloudflare, acme].map((h) => h.stop()));
  await stack.stop();
});

let counter = 0;

async function givenSecret(h: ProviderHarness, options: { adminValue?: string; tags?: Record<string, string> } = {}) {
  counter++;
  const admin = await createSecret(
    stack.client,
    `errors/${h.preset}/admin-${counter}`,
    options.adminValue ?? h.adminSecretValue(),
  );
  const { key, secretValue } = h.givenKey(`app key ${counter}`);
  keyValues.add(key.value);
  const tags = { ...apiKeyTags(h, admin.arn), ...options.tags };
  const secret = await createSecret(stack.client, `errors/${h.preset}/app-${counter}`, secretValue, tags);
  return { arn: secret.arn, first: JSON.parse(secretValue) as ApiKeyValue };
}

/** The rotation failed at createSecret with `name`, stored nothing, and left no key named for it. */
async function expectCleanFailure(h: ProviderHarness, arn: string, first: ApiKeyValue, name: string, message: RegExp) {
  const result = await rotateAndWait(stack, arn);
  expect(result).toMatchObject({ succeeded: false, failedStep: 'createSecret', errorName: name });
  expect(result.errorMessage).toMatch(message);
  for (const value of keyValues) expect(result.errorMessage).not.toContain(value);
  await expect(valueAt(stack.client, arn, 'AWSPENDING')).rejects.toThrow();
  expect(h.fake.keysNamed(`keyturn-${result.token}`)).toEqual([]);
  expect((await jsonAt<ApiKeyValue>(stack.client, arn, 'AWSCURRENT')).keyId).toBe(first.keyId);
  expect(await h.works(first)).toBe(true);
  return result;
}

it('an admin credential the provider rejects: 401, named', async () => {
  const wrongAdmin = JSON.stringify({
    apiKey: 'SG.not-a-real-key.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    keyId: 'x',
  });
  const { arn, first } = await givenSecret(sendgrid, { adminValue: wrongAdmin });
  await expectCleanFailure(
    sendgrid,
    arn,
    first,
    'ProviderRequestError',
    /^sendgrid list keys: HTTP 401 \(the admin credential was not accepted\)/,
  );
});

it('an admin credential without the permission to manage keys: 403, named', async () => {
  const standard = twilio.givenKey('not a main key').key;
  const { arn, first } = await givenSecret(twilio, {
    adminValue: JSON.stringify({ apiKey: standard.value, keyId: standard.id }),
  });
  await expectCleanFailure(
    twilio,
    arn,
    first,
    'ProviderRequestError',
    /^twilio list keys: HTTP 403 \(the admin credential may not do this/,
  );
});

it('a 404 from the provider: named', async () => {
  const { arn, first } = await givenSecret(cloudflare);
  cloudflare.fake.failNext('list', {
    status: 404,
    json: { success: false, errors: [{ code: 7003, message: 'No route' }] },
  });
  await expectCleanFailure(
    cloudflare,
    arn,
    first,
    'ProviderRequestError',
    /^cloudflare list keys: HTTP 404 \(not found\)/,
  );
});

it('a 429 that asks to wait longer than the invocation has: named, nothing created', async () => {
  const { arn, first } = await givenSecret(sendgrid);
  sendgrid.fake.failNext('create', { status: 429, headers: { 'Retry-After': '3600' }, json: { errors: [] } });
  await expectCleanFailure(
    sendgrid,
    arn,
    first,
    'ProviderRateLimitedError',
    /^sendgrid create key: HTTP 429 \(rate limited\), and the provider asks to wait 3600000 ms/,
  );
});

it('a create answer without the key: named; the key the provider made is revoked by the next attempt', async () => {
  const { arn } = await givenSecret(cloudflare);
  cloudflare.fake.failNext(
    'create',
    { status: 200, json: { success: true, result: { id: 'abc' } } },
    { timing: 'after-applying' },
  );

  const failed = await rotateAndWait(stack, arn);

  expect(failed).toMatchObject({ succeeded: false, errorName: 'ProviderResponseError' });
  expect(failed.errorMessage).toMatch(/^cloudflare create key: HTTP 200 without the key's value \(\/result\/value\)/);
  expect(cloudflare.fake.keysNamed(`keyturn-${failed.token}`)).toHaveLength(1); // made at the provider, never seen

  for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
    await stack.rotationHandler({ Step, SecretId: arn, ClientRequestToken: failed.token });
  }
  const now = await jsonAt<ApiKeyValue>(stack.client, arn, 'AWSCURRENT');
  expect(cloudflare.fake.keysNamed(`keyturn-${failed.token}`).map((k) => k.id)).toEqual([now.keyId]);
});

it('a base URL on a host the spec does not allow: refused before any request', async () => {
  const { arn, first } = await givenSecret(sendgrid, {
    tags: { [OptionTag.httpBaseUrl]: 'https://api.sendgrid.com.evil.example' },
  });
  const before = sendgrid.fake.requests.length;
  await expectCleanFailure(
    sendgrid,
    arn,
    first,
    'ProviderHostNotAllowedError',
    /^sendgrid: tag keyturn:http-base-url refused, host api\.sendgrid\.com\.evil\.example is not among the spec's allowed hosts/,
  );
  expect(sendgrid.fake.requests.slice(before)).toEqual(['verify 200']); // only this test's own check of the old key
});

it('a redirect to another host: refused, the key never sent there', async () => {
  const { arn, first } = await givenSecret(sendgrid);
  sendgrid.fake.failNext('list', { status: 307, headers: { Location: 'https://keys.evil.example/v3/api_keys' } });
  await expectCleanFailure(
    sendgrid,
    arn,
    first,
    'ProviderHostNotAllowedError',
    /^sendgrid list keys: HTTP 307 redirect to https:\/\/keys\.evil\.example refused/,
  );
});

it("the provider's cap on keys: refused before minting one", async () => {
  const { arn, first } = await givenSecret(acme);
  const fillers = [];
  while (acme.fake.keys.size < 10) fillers.push(acme.givenKey('filler').key);
  await expectCleanFailure(
    acme,
    arn,
    first,
    'ProviderKeyCapError',
    /^acme-notify list keys: the account holds 10 keys, the provider's maximum is 10/,
  );
  for (const filler of fillers) acme.fake.keys.delete(filler.id);
});

it('a key that authenticates as another identity: KeyIdentityMismatchError, where the provider tells', async () => {
  const { arn, first } = await givenSecret(cloudflare);
  const other = cloudflare.givenKey('someone else').key;
  const mislabelled = { versionId: 'v', stages: ['AWSCURRENT'], value: JSON.stringify({ ...first, keyId: other.id }) };
  const ctx = { ...strategyContext(stack, arn), tags: apiKeyTags(cloudflare, undefined) };

  const verified = createHttpApiKeyStrategy().verify(mislabelled, {
    ...ctx,
    // Verify is made with the key itself: the admin credential's secret is never read (this ARN names none).
    tags: { ...ctx.tags, [OptionTag.httpAdminSecret]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:none' },
  });

  await expect(verified).rejects.toMatchObject({
    name: 'KeyIdentityMismatchError',
    message: expect.stringContaining(
      `cloudflare verify key: key ${other.id} authenticates as "${first.keyId}"`,
    ) as string,
  });
});

it('an unknown provider name, or an entry without the admin secret its provider needs: named', async () => {
  const unknown = await givenSecret(sendgrid, { tags: { [OptionTag.httpProvider]: 'mailchimp' } });
  const noAdmin = await givenSecret(sendgrid, { tags: { [OptionTag.httpAdminSecret]: '' } });

  await expectCleanFailure(
    sendgrid,
    unknown.arn,
    unknown.first,
    'ProviderSpecError',
    /^provider "mailchimp" .* is neither a preset \(sendgrid, twilio, datadog, cloudflare\) nor a custom spec in KEYTURN_HTTP_PROVIDERS \(acme-notify\)/,
  );
  await expectCleanFailure(
    sendgrid,
    noAdmin.arn,
    noAdmin.first,
    'InvalidStrategyOptionError',
    /tag keyturn:http-admin-secret must name its secret/,
  );
});
