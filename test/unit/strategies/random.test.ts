import { deadlineIn } from '../../../functions/shared/deadline';
import { olderVersions } from '../../support/versions';
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretStore, type SecretVersion } from '../../../functions/shared/secret-store';
import { randomStrategy } from '../../../functions/strategies/random';
import type { StrategyContext } from '../../../functions/strategies/strategy';

function ctx(tags: Record<string, string> = {}): StrategyContext {
  return {
    secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf',
    token: 't',
    tags: { 'keyturn:strategy': 'random', ...tags },
    store: new SecretStore(new SecretsManagerClient({})),
    logger: new Logger({ logLevel: 'SILENT' }),
    deadline: deadlineIn(60_000),
  };
}

function version(value: string, versionId = 'v1'): SecretVersion {
  return { versionId, value, stages: [] };
}

async function rotateOnce(current: string, tags: Record<string, string> = {}): Promise<string> {
  return randomStrategy.createPendingValue(version(current), ctx(tags));
}

describe('random strategy: generation', () => {
  it('replaces a plain string with 40 letters and digits by default', async () => {
    const value = await rotateOnce('old-token');
    expect(value).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  it('honours length, prefix and character options from tags', async () => {
    const value = await rotateOnce('sk_live_old', {
      'keyturn:prefix': 'sk_live_',
      'keyturn:length': '24',
      'keyturn:exclude-uppercase': 'true',
      'keyturn:exclude-characters': 'abcdef',
    });
    expect(value).toMatch(/^sk_live_[g-z0-9]{24}$/);
  });

  it('regenerates only the named JSON fields and keeps the rest', async () => {
    const current = JSON.stringify({ clientId: 'app-1', clientSecret: 'old', signingKey: 'old2', region: 'eu' });
    const pending = JSON.parse(await rotateOnce(current, { 'keyturn:fields': 'clientSecret signingKey' })) as Record<
      string,
      string
    >;
    expect(pending).toMatchObject({ clientId: 'app-1', region: 'eu' });
    expect(pending.clientSecret).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(pending.signingKey).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(pending.clientSecret).not.toBe(pending.signingKey);
  });

  it('never yields the same value twice in 1,000 draws', async () => {
    const values = new Set<string>();
    for (let i = 0; i < 1000; i++) values.add(await rotateOnce('x'));
    expect(values.size).toBe(1000);
  });
});

describe('random strategy: bad input is refused before anything is written', () => {
  it.each([
    ['a JSON secret without keyturn:fields', '{"apiKey":"abc"}', {}, /keyturn:fields must name the fields/],
    [
      'a named field that is missing',
      '{"apiKey":"abc"}',
      { 'keyturn:fields': 'token' },
      /field "token" named by keyturn:fields is missing/,
    ],
    ['a named field that is not a string', '{"apiKey":7}', { 'keyturn:fields': 'apiKey' }, /not a string/],
    ['fields on a value that is not JSON', 'plain-old-value', { 'keyturn:fields': 'apiKey' }, /not valid JSON/],
    ['an empty fields tag', 'x', { 'keyturn:fields': '  ' }, /keyturn:fields is empty/],
    [
      'a length that is not a number',
      'x',
      { 'keyturn:length': 'forty' },
      /keyturn:length must be a whole number, got "forty"/,
    ],
    [
      'a boolean tag that is not a boolean',
      'x',
      { 'keyturn:exclude-numbers': 'yes' },
      /must be "true" or "false", got "yes"/,
    ],
    [
      'a policy with nothing left to draw from',
      'x',
      { 'keyturn:exclude-lowercase': 'true', 'keyturn:exclude-uppercase': 'true', 'keyturn:exclude-numbers': 'true' },
      /excludes every character/,
    ],
  ])('%s', async (_label, current, tags, message) => {
    await expect(rotateOnce(current, tags)).rejects.toThrow(message);
  });

  it('does not quote the secret value in a JSON error', async () => {
    await expect(rotateOnce('{"apiKey": "s3cr3t-value"', { 'keyturn:fields': 'apiKey' })).rejects.toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cr3t') as string }) as Error,
    );
  });
});

describe('random strategy: testSecret, verify, usage and revoke', () => {
  const versions = (pending: string, current: string) => ({
    pending: version(pending, 'p'),
    current: version(current, 'c'),
    older: olderVersions(),
  });

  it('accepts a pending value the policy produced', async () => {
    const pending = await rotateOnce('old');
    await expect(randomStrategy.testSecret(versions(pending, 'old'), ctx())).resolves.toBeUndefined();
  });

  it.each([
    ['too short', 'abc'],
    ['an excluded character', `${'a'.repeat(38)}B!`],
    ['a missing character class', 'a'.repeat(40)],
  ])('rejects a pending value with %s', async (_label, pending) => {
    await expect(randomStrategy.testSecret(versions(pending, 'old'), ctx())).rejects.toMatchObject({
      name: 'PendingCredentialRejectedError',
    });
  });

  it('rejects a pending JSON value that changed a field it must keep', async () => {
    const current = JSON.stringify({ id: 'a', key: 'old' });
    const tags = { 'keyturn:fields': 'key' };
    const pending = JSON.parse(await rotateOnce(current, tags)) as Record<string, string>;
    const tampered = JSON.stringify({ ...pending, id: 'b' });
    await expect(randomStrategy.testSecret(versions(tampered, current), ctx(tags))).rejects.toThrow(
      'pending value changes fields it must keep: id',
    );
  });

  it('verifies against the policy, reports usage as unknown and has nothing to revoke', async () => {
    const value = await rotateOnce('old');
    expect(await randomStrategy.verify(version(value), ctx())).toEqual({ ok: true });
    expect(await randomStrategy.verify(version('nope'), ctx())).toMatchObject({ ok: false });
    expect(await randomStrategy.usage(version('old'), version(value), ctx())).toMatchObject({ inUse: 'unknown' });
    expect(await randomStrategy.revoke(version('old'), version(value), ctx())).toMatchObject({
      status: 'not-applicable',
    });
  });
});

describe('excluded characters a tag value cannot hold', () => {
  it('are read from keyturn:exclude-characters-base64', async () => {
    const excluded = '"\'\\`$';
    const tags = {
      'keyturn:exclude-punctuation': 'false',
      'keyturn:length': '400',
      'keyturn:exclude-characters-base64': Buffer.from(excluded).toString('base64'),
    };
    const value = await rotateOnce('x', tags);
    expect(Array.from(excluded).some((c) => value.includes(c))).toBe(false);
    expect(value).toMatch(/[!#%&]/);
  });

  it('refuse both forms at once, and a value that is not base64', async () => {
    await expect(
      rotateOnce('x', { 'keyturn:exclude-characters': 'a', 'keyturn:exclude-characters-base64': 'Yg==' }),
    ).rejects.toThrow(/both set: keep one/);
    await expect(rotateOnce('x', { 'keyturn:exclude-characters-base64': 'not base64!' })).rejects.toThrow(
      /is not base64/,
    );
  });
});
