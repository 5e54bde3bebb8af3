import { TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { listManagedSecrets } from '../../../functions/freshness-check/freshness';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { createSecret } from '../../support/secrets';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
});
afterAll(() => stack.stop());

describe('listManagedSecrets against the local Secrets Manager', () => {
  it('finds every managed secret across pages, with its bound, and nothing else', async () => {
    for (let i = 0; i < 130; i++) {
      await createSecret(stack.client, `managed/${i}`, 'value', {
        'keyturn:managed': 'true',
        'keyturn:max-age-seconds': String(86_400 * (i + 1)),
      });
    }
    await createSecret(stack.client, 'unmanaged', 'value', { team: 'x' });
    await createSecret(stack.client, 'managed-false', 'value', { 'keyturn:managed': 'false' });
    const prefixOnly = await createSecret(stack.client, 'prefix-only', 'value', { 'keyturn:managed-by-hand': 'true' });
    await stack.client.send(new TagResourceCommand({ SecretId: prefixOnly.arn, Tags: [{ Key: 'other', Value: 'x' }] }));

    const secrets = await listManagedSecrets(stack.client);

    expect(secrets).toHaveLength(130);
    expect(new Set(secrets.map((s) => s.name)).has('unmanaged')).toBe(false);
    const seventh = secrets.find((s) => s.name === 'managed/6');
    expect(seventh).toMatchObject({ maxAgeSeconds: 7 * 86_400, rotationEnabled: false });
    expect(seventh?.rotatedAt).toBeInstanceOf(Date);
  });
});
