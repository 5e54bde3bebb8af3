/**
 * `keyturn inventory` end to end: `npm run local -- --json` in a child process, the CLI as child processes with the
 * environment it printed, compared with a policy file written here; checks stdout, exit codes and the --json shape.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Inventory } from '../../../functions/inventory/types';
import {
  runKeyturn,
  startLocalAwsProcess,
  type LocalAwsProcess,
  type LocalAwsReady,
} from '../../support/local-aws-process';

let local: LocalAwsProcess;
let ready: LocalAwsReady;
let dir: string;
let policyFile: string;

type InventoryDoc = Inventory & {
  command: string;
  policy: { file: string; compared: boolean; note: string | null };
  filters: string[];
};

beforeAll(async () => {
  local = await startLocalAwsProcess(0.2, 'none');
  ready = local.ready;
  dir = mkdtempSync(join(tmpdir(), 'keyturn-inventory-'));
  policyFile = join(dir, 'policy.js');
  const random = ready.demoSecrets.find((s) => s.strategy === 'random');
  // One entry naming the demo API key, one whose secret nobody created.
  writeFileSync(
    policyFile,
    `exports.default = ${JSON.stringify({
      version: 1,
      alerts: { routes: { platform: {} }, defaultRoute: 'platform' },
      entries: [
        { id: 'webhook-key', kind: 'random', secret: { name: random?.name }, owner: { team: 'payments' } },
        { id: 'gone', kind: 'random', secret: { name: 'payments/never-created' }, owner: { team: 'payments' } },
      ],
    })};\n`,
  );
});

afterAll(async () => {
  await local.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('inventory --json: every demo secret, the policy entry whose secret is missing, exit 3 for findings', async () => {
  const run = await runKeyturn(ready, ['inventory', '--json', '--policy', policyFile]);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 3, stderr: '' });
  const doc = JSON.parse(run.stdout) as InventoryDoc;
  expect(doc).toMatchObject({ command: 'inventory', policy: { file: policyFile, compared: true }, filters: [] });
  expect(doc.comparedWithPolicy).toBe(true);
  expect(doc.secrets.map((s) => s.arn).sort()).toEqual(ready.demoSecrets.map((s) => s.arn).sort());
  const random = doc.secrets.find((s) => s.kind === 'random');
  expect(random?.rotationEnabled).toBe(true);
  expect(random?.findings).toContain('not-in-policy');
  const missing = doc.findings.find((f) => f.code === 'policy-secret-missing');
  expect(missing?.subject).toMatchObject({ type: 'policy-entry', id: 'gone' });
  expect(doc.counts['policy-secret-missing']).toBe(1);
  expect(doc.counts['stuck-pending']).toBe(0);
});

test('inventory --stuck: only a version stuck in AWSPENDING, with how to resolve it; nothing changed', async () => {
  const random = ready.demoSecrets.find((s) => s.strategy === 'random');
  if (!random) throw new Error('no random demo secret');
  const client = new SecretsManagerClient({
    region: ready.region,
    endpoint: ready.environment.AWS_ENDPOINT_URL_SECRETS_MANAGER,
  });
  // A rotation that stopped after createSecret: a version labelled AWSPENDING only.
  const pending = await client.send(
    new PutSecretValueCommand({
      SecretId: random.arn,
      SecretString: 'not-a-real-value',
      VersionStages: ['AWSPENDING'],
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 1_100));

  const text = await runKeyturn(ready, ['inventory', '--stuck', '--stuck-after', '1', '--policy', policyFile]);
  expect(text.code).toBe(3);
  expect(text.stdout).toContain(`Secrets (1 with --stuck findings)`);
  expect(text.stdout).toContain(random.name);
  expect(text.stdout).toMatch(/stuck-pending {2}\S+: .*AWSPENDING/);
  expect(text.stdout).toContain('resolve: ');
  expect(text.stdout).not.toContain('not-a-real-value');
  expect(text.stdout).not.toContain('not-in-policy');
  // Off a terminal: no colour codes.
  expect(text.stdout).not.toContain('\u001b[');

  const again = await runKeyturn(ready, [
    'inventory',
    '--stuck',
    '--stuck-after',
    '1',
    '--json',
    '--policy',
    policyFile,
  ]);
  const doc = JSON.parse(again.stdout) as InventoryDoc;
  expect(doc.filters).toEqual(['stuck']);
  expect(doc.findings.map((f) => [f.code, f.subject.id])).toEqual([['stuck-pending', random.arn]]);
  expect(doc.findings[0]?.message).toContain(pending.VersionId);
  // Reported, never changed: the label is where the stopped rotation left it.
  const after = await client.send(new DescribeSecretCommand({ SecretId: random.arn }));
  client.destroy();
  expect(after.VersionIdsToStages?.[pending.VersionId ?? '']).toEqual(['AWSPENDING']);
});

test('inventory --overdue: nothing overdue, exit 0', async () => {
  const run = await runKeyturn(ready, ['inventory', '--overdue', '--policy', policyFile]);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('No findings.');
});

test('bad input: a named policy file that is not there fails (1), a bad threshold is a usage error (2)', async () => {
  const missing = await runKeyturn(ready, ['inventory', '--policy', join(dir, 'nope.ts')]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain(`policy file ${join(dir, 'nope.ts')} not found`);
  const invalidFile = join(dir, 'invalid.js');
  writeFileSync(invalidFile, `exports.default = { version: 1, entries: [{ id: 'x', kind: 'random' }] };\n`);
  const invalid = await runKeyturn(ready, ['inventory', '--policy', invalidFile]);
  expect(invalid.code).toBe(1);
  expect(invalid.stderr).toContain(`invalid keyturn policy ${invalidFile}`);
  expect(invalid.stdout).toBe('');
  const usage = await runKeyturn(ready, ['inventory', '--stuck-after', '0']);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('--stuck-after');
});
