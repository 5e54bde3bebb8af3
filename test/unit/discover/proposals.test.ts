/**
 * The pure parts of `keyturn discover`: guessing a secret's kind from metadata, entry ids, what a KMS key or an
 * IAM user can be adopted as, and snippets that are the TypeScript of their entries. The whole command runs
 * against the local AWS services in test/integration/discover.
 */
import { accessKeyFinding } from '../../../cli/discover/access-key-finding';
import { EntryIds } from '../../../cli/discover/entry-ids';
import type { Finding } from '../../../cli/discover/finding';
import { kmsKeyFinding } from '../../../cli/discover/kms-key-finding';
import type { UnrotatedKey } from '../../../cli/discover/kms-keys';
import { secretFinding } from '../../../cli/discover/secret-finding';
import { guessSecretKind } from '../../../cli/discover/secret-kind';
import type { UnrotatedSecret } from '../../../cli/discover/secrets';
import { snippetOf } from '../../../cli/discover/snippet';
import { evaluateSnippet } from '../../support/policy-snippets';

const NOW = new Date('2026-12-07T12:00:00Z');
const secret = (name: string, more: Partial<UnrotatedSecret> = {}): UnrotatedSecret => ({
  arn: `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`,
  name,
  tags: {},
  rotationDisabled: false,
  ...more,
});
const key = (more: Partial<UnrotatedKey> = {}): UnrotatedKey => ({
  keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  arn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  keySpec: 'SYMMETRIC_DEFAULT',
  keyUsage: 'ENCRYPT_DECRYPT',
  origin: 'AWS_KMS',
  multiRegion: false,
  aliases: [],
  tags: {},
  ...more,
});
const evaluate = (finding: Finding): unknown => evaluateSnippet(snippetOf(finding));

describe('guessing a secret kind without its value', () => {
  test.each([
    ['an engine tag wins over the name', secret('cache/thing', { tags: { Engine: 'mysql' } }), 'mysql'],
    ['aurora-postgresql in the name is PostgreSQL, not MySQL', secret('orders/aurora-postgresql'), 'postgres'],
    ['a word in the description', secret('x/y', { description: 'the billing MariaDB user' }), 'mysql'],
    ['the console’s RDS credentials names', secret('rds-db-credentials/cluster-ABC/app'), 'database'],
    ['db in the name, engine unknown', secret('orders/db/app'), 'database'],
    ['redis', secret('cache/redis-sessions'), 'redis'],
    ['an engine keyturn has no strategy for', secret('x', { tags: { engine: 'sqlserver' } }), 'unsupported-engine'],
    ['nothing to go on', secret('payments/stripe-webhook'), 'unknown'],
  ])('%s', (_, input, kind) => {
    expect(guessSecretKind(input).kind).toBe(kind);
  });
});

describe('entry ids', () => {
  test('follow the policy id syntax and stay unique', () => {
    const ids = new EntryIds();
    expect(ids.allocate('Payments/API_Key', 'secret')).toBe('payments-api-key');
    expect(ids.allocate('payments/api.key', 'secret')).toBe('payments-api-key-2');
    expect(ids.allocate('2024/token', 'secret')).toBe('token');
    expect(ids.allocate('///', 'secret')).toBe('secret');
    const long = ids.allocate('a'.repeat(80), 'secret');
    expect(long).toHaveLength(63);
    expect(ids.allocate('a'.repeat(80), 'secret')).toMatch(/^a{61}-2$/);
  });
});

describe('secrets', () => {
  test('a customer managed key by ARN goes in the entry; by alias, a note says to set it', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const byArn = secretFinding(secret('a/b', { kmsKeyId: keyArn }), NOW, new EntryIds());
    expect(byArn.proposal.entry).toMatchObject({ secret: { name: 'a/b', kmsKeyArn: keyArn } });
    const byAlias = secretFinding(
      secret('a/b', { kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:alias/app' }),
      NOW,
      new EntryIds(),
    );
    expect(byAlias.proposal.notes).toContain(
      "It is encrypted with arn:aws:kms:eu-west-1:111122223333:alias/app: set secret.kmsKeyArn to that key's ARN.",
    );
  });

  test('quotes, backslashes and line breaks in strings survive the snippet', () => {
    const finding: Finding = {
      kind: 'secret',
      arn: 'arn',
      name: 'a/b',
      reason: 'no rotation configured',
      proposal: {
        list: 'entries',
        entry: {
          id: 'a-b',
          kind: 'random',
          secret: { name: 'a/b', description: 'it\'s a "b" \\ c\nd' },
          owner: { team: 'TODO' },
          options: { fields: ['x', 'y'], excludeCharacters: '\'"\\`' },
        },
        notes: [],
      },
    };
    expect(evaluate(finding)).toEqual(finding.proposal.entry);
  });
});

describe('IAM users', () => {
  const user = { path: '/', arn: 'arn:aws:iam::111122223333:user/x', keyCount: 1 };

  test('a user name the policy cannot take (a comma) gets no entry, with the schema’s reason', () => {
    const finding = accessKeyFinding(
      { ...user, userName: 'ci,deploy', oldKeys: [{ accessKeyId: 'AKIAEXAMPLE000000001', ageDays: 200 }] },
      new EntryIds(),
    );
    expect(finding.proposal.entry).toBeNull();
    expect(finding.proposal.notes.join('\n')).toMatch(/options\.userName: must be an IAM user name/);
  });

  test('two keys: the reason names both, oldest first, and the note says a slot is needed', () => {
    const finding = accessKeyFinding(
      {
        ...user,
        userName: 'ci',
        keyCount: 2,
        oldKeys: [
          { accessKeyId: 'AKIAEXAMPLE000000001', ageDays: 400 },
          { accessKeyId: 'AKIAEXAMPLE000000002', ageDays: 120 },
        ],
      },
      new EntryIds(),
    );
    expect(finding.reason).toBe('access keys AKIAEXAMPLE000000001 400 and AKIAEXAMPLE000000002 120 days old');
    expect(finding.ageDays).toBe(400);
    expect(finding.proposal.notes.join('\n')).toMatch(/two keys, IAM's limit/);
  });
});

describe('KMS keys', () => {
  test('a key in an external key store, or a key-agreement key, gets no entry and says why', () => {
    const external = kmsKeyFinding(key({ origin: 'EXTERNAL_KEY_STORE' }), NOW, new EntryIds());
    expect(external.proposal.entry).toBeNull();
    expect(external.reason).toMatch(/^in a custom key store/);
    const agreement = kmsKeyFinding(key({ keySpec: 'ECC_NIST_P256', keyUsage: 'KEY_AGREEMENT' }), NOW, new EntryIds());
    expect(agreement.proposal.entry).toBeNull();
    expect(snippetOf(agreement)).toMatch(/key-agreement key/);
  });

  test('imported single-Region material rotates on demand after an import; multi-Region is replaced', () => {
    const single = kmsKeyFinding(key({ origin: 'EXTERNAL', aliases: ['alias/a'] }), NOW, new EntryIds());
    expect(single.proposal.notes.join('\n')).toMatch(/ImportKeyMaterial/);
    expect(single.proposal.entry).toMatchObject({ schedule: { expression: 'rate(365 days)' } });
    const multi = kmsKeyFinding(key({ origin: 'EXTERNAL', multiRegion: true }), NOW, new EntryIds());
    expect(multi.proposal.entry).toMatchObject({ schedule: { expression: 'rate(180 days)' } });
  });

  test('several aliases: the first names the entry, a note lists them all', () => {
    const finding = kmsKeyFinding(
      key({ aliases: ['alias/a-first', 'alias/b-second'], creationDate: new Date('2025-12-07T12:00:00Z') }),
      NOW,
      new EntryIds(),
    );
    expect(finding).toMatchObject({ name: 'alias/a-first', ageDays: 365 });
    expect(finding.proposal.entry).toMatchObject({ id: 'a-first', key: { adopt: { alias: 'alias/a-first' } } });
    expect(finding.proposal.notes.join('\n')).toMatch(/several aliases \(alias\/a-first, alias\/b-second\)/);
    expect(evaluate(finding)).toEqual(finding.proposal.entry);
  });
});
