import { OptionTag, STRATEGY_TAG } from '../../functions/strategies/tag-options';
import type { FakeKey, FakeProvider } from '../../local/providers/fake-provider';
import { ACME_SPEC, startFakeAcme } from '../../local/providers/acme';
import { startFakeCloudflare } from '../../local/providers/cloudflare';
import { startFakeDatadog } from '../../local/providers/datadog';
import { SENDGRID_ADMIN_SCOPES, startFakeSendGrid, type FakeSendGrid } from '../../local/providers/sendgrid';
import { startFakeTwilio } from '../../local/providers/twilio';

/** The part of an http-api-key secret tests look at. */
export interface ApiKeyValue {
  readonly apiKey: string;
  readonly keyId: string;
  readonly [field: string]: unknown;
}

/**
 * One provider's local fake, with what a test needs: an admin credential, a consumer's first key (as the user
 * would have made it by hand), the secret's extra fields, and a real request that says whether a key works.
 */
export interface ProviderHarness {
  readonly preset: string;
  readonly fake: FakeProvider;
  /** The admin credential's secret value (JSON). */
  adminSecretValue(): string;
  /** A consumer's key made by hand, and the secret value holding it. */
  givenKey(name: string): { readonly key: FakeKey; readonly secretValue: string };
  /** Whether the provider accepts `key` now (a real request to the fake's verify endpoint). */
  works(key: ApiKeyValue): Promise<boolean>;
  stop(): Promise<void>;
}

/** The tags of an adopted http-api-key secret on `harness`'s fake. */
export function apiKeyTags(
  harness: ProviderHarness,
  adminArn: string | undefined,
  provider = harness.preset,
): Record<string, string> {
  return {
    [STRATEGY_TAG]: 'http-api-key',
    [OptionTag.httpProvider]: provider,
    [OptionTag.httpBaseUrl]: harness.fake.endpoint,
    ...(adminArn ? { [OptionTag.httpAdminSecret]: adminArn } : {}),
  };
}

export async function sendGridHarness(): Promise<ProviderHarness> {
  const fake: FakeSendGrid = await startFakeSendGrid();
  const admin = fake.addSendGridKey('keyturn admin', SENDGRID_ADMIN_SCOPES, true);
  return {
    preset: 'sendgrid',
    fake,
    adminSecretValue: () => JSON.stringify({ apiKey: admin.value, keyId: admin.id }),
    givenKey(name) {
      const key = fake.addSendGridKey(name, ['mail.send']);
      return { key, secretValue: JSON.stringify({ apiKey: key.value, keyId: key.id, scopes: ['mail.send'] }) };
    },
    async works(key) {
      const response = await fetch(`${fake.endpoint}/v3/scopes`, {
        headers: { Authorization: `Bearer ${key.apiKey}` },
      });
      await response.text();
      return response.status === 200;
    },
    stop: () => fake.stop(),
  };
}

export async function twilioHarness(): Promise<ProviderHarness> {
  const fake = await startFakeTwilio();
  const main = fake.addTwilioKey('keyturn main key', true);
  const accountSid = fake.account.sid;
  return {
    preset: 'twilio',
    fake,
    adminSecretValue: () => JSON.stringify({ apiKey: main.value, keyId: main.id }),
    givenKey(name) {
      const key = fake.addTwilioKey(name);
      return { key, secretValue: JSON.stringify({ apiKey: key.value, keyId: key.id, accountSid }) };
    },
    async works(key) {
      const auth = Buffer.from(`${key.keyId}:${key.apiKey}`).toString('base64');
      const response = await fetch(`${fake.endpoint}/2010-04-01/Accounts/${accountSid}/Messages.json?PageSize=1`, {
        headers: { Authorization: `Basic ${auth}` },
      });
      await response.text();
      return response.status === 200;
    },
    stop: () => fake.stop(),
  };
}

export async function datadogHarness(): Promise<ProviderHarness> {
  const fake = await startFakeDatadog();
  const admin = fake.addApiKey('keyturn admin', true);
  const applicationKey = fake.addApplicationKey();
  return {
    preset: 'datadog',
    fake,
    adminSecretValue: () => JSON.stringify({ apiKey: admin.value, applicationKey }),
    givenKey(name) {
      const key = fake.addApiKey(name);
      return { key, secretValue: JSON.stringify({ apiKey: key.value, keyId: key.id }) };
    },
    async works(key) {
      const response = await fetch(`${fake.endpoint}/api/v1/validate`, { headers: { 'DD-API-KEY': key.apiKey } });
      await response.text();
      return response.status === 200;
    },
    stop: () => fake.stop(),
  };
}

const ZONE_READ_POLICIES = [
  {
    effect: 'allow',
    resources: { 'com.cloudflare.api.account.zone.eb78d65290b24279ba6f44721b3ea3c4': '*' },
    permission_groups: [{ id: 'c8fed203ed3043cba015a93ad1616f1f', name: 'Zone Read' }],
  },
];

export async function cloudflareHarness(): Promise<ProviderHarness> {
  const fake = await startFakeCloudflare();
  const admin = fake.addToken(
    'keyturn admin',
    [{ effect: 'allow', permission_groups: [{ name: 'API Tokens Write' }] }],
    true,
  );
  return {
    preset: 'cloudflare',
    fake,
    adminSecretValue: () => JSON.stringify({ apiKey: admin.value, keyId: admin.id }),
    givenKey(name) {
      const key = fake.addToken(name, ZONE_READ_POLICIES);
      return { key, secretValue: JSON.stringify({ apiKey: key.value, keyId: key.id, policies: ZONE_READ_POLICIES }) };
    },
    async works(key) {
      const response = await fetch(`${fake.endpoint}/client/v4/user/tokens/verify`, {
        headers: { Authorization: `Bearer ${key.apiKey}` },
      });
      await response.text();
      return response.status === 200;
    },
    stop: () => fake.stop(),
  };
}

/** Acme Notify, a provider without a preset: rotated through the user-written spec of docs/strategies.md. */
export async function acmeHarness(): Promise<ProviderHarness> {
  const fake = await startFakeAcme();
  return {
    preset: ACME_SPEC.name,
    fake,
    adminSecretValue: () => JSON.stringify({ token: fake.adminToken }),
    givenKey(name) {
      const key = fake.addAcmeKey(name);
      return { key, secretValue: JSON.stringify({ apiKey: key.value, keyId: key.id }) };
    },
    async works(key) {
      const response = await fetch(`${fake.endpoint}/v1/whoami`, { headers: { Authorization: `Token ${key.apiKey}` } });
      await response.text();
      return response.status === 200;
    },
    stop: () => fake.stop(),
  };
}
