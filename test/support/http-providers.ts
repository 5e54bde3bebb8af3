import { OptionTag, STRATEGY_TAG } from '../../functions/strategies/tag-options';
import type { FakeKey, FakeProvider } from '../../local/providers/fake-provider';
import { SENDGRID_ADMIN_SCOPES, startFakeSendGrid, type FakeSendGrid } from '../../local/providers/sendgrid';

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
  /** The fake's rate-limit bucket of each call. */
  readonly buckets: {
    readonly create: string;
    readonly list: string;
    readonly verify: string;
    readonly revoke: string;
  };
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
    buckets: { create: 'api_keys', list: 'api_keys', verify: 'scopes', revoke: 'api_keys' },
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
