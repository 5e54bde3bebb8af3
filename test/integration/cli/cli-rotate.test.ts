/**
 * The keyturn CLI end to end: `npm run local -- --json` in a child process, then `keyturn …` as child
 * processes with the environment it printed; checks real stdout, exit codes and --json shapes.
 */
import {
  runKeyturn,
  startLocalAwsProcess,
  type LocalAwsProcess,
  type LocalAwsReady,
} from '../../support/local-aws-process';

let local: LocalAwsProcess;
let ready: LocalAwsReady;

beforeAll(async () => {
  local = await startLocalAwsProcess(0.2, 'postgres');
  ready = local.ready;
});

afterAll(async () => {
  await local.stop();
});

const demo = (strategy: string) => {
  const secret = ready.demoSecrets.find((s) => s.strategy === strategy);
  if (!secret) throw new Error(`no ${strategy} demo secret`);
  return secret;
};

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the document's shape, as the test expects it
function json<T = Record<string, unknown>>(stdout: string): T {
  return JSON.parse(stdout) as T;
}

interface RunDoc {
  command: string;
  secretArn: string;
  executionArn: string;
  stateMachine: string;
  status: string;
  outcome: string;
  states: string[];
  plan?: { strategy: string; secretArn: string; steps: string[] };
}

describe('keyturn rotate, status and history against the local stack', () => {
  let rotation: RunDoc;

  test('rotate --wait --json: one document on stdout, each state on stderr, exit 0 when rotated', async () => {
    const secret = demo('random');
    const run = await runKeyturn(ready, ['rotate', secret.name, '--wait', '--json']);
    expect(run.code).toBe(0);
    rotation = json<RunDoc>(run.stdout);
    expect(rotation).toMatchObject({
      command: 'rotate',
      secretArn: secret.arn,
      stateMachine: 'lifecycle',
      status: 'SUCCEEDED',
      outcome: 'rotated',
    });
    expect(rotation.states).toEqual(
      expect.arrayContaining(['Begin', 'Preflight', 'RotateSecret', 'Verify', 'Grace', 'Revoke', 'Rotated']),
    );
    expect(run.stderr).toMatch(/^\d\d:\d\d:\d\d {2}Grace \(wait 900 s\)$/m);
  });

  test('status: the run just made, its audit events, the old credential revoked; exit 0 without findings', async () => {
    const secret = demo('random');
    const run = await runKeyturn(ready, ['status', secret.arn, '--json']);
    expect(run.code).toBe(0);
    const status = json<{
      secret: { arn: string; rotationEnabled: boolean };
      versions: { stages: string[] }[];
      lastRun: { executionArn: string; outcome: string; trigger: string };
      lastRunEvents: { type: string }[];
      oldCredentialInUse: boolean;
      stuckPending: null;
      findings: string[];
    }>(run.stdout);
    expect(status.secret).toMatchObject({ arn: secret.arn, rotationEnabled: true });
    expect(status.versions.filter((v) => v.stages.includes('AWSCURRENT'))).toHaveLength(1);
    expect(status.lastRun).toMatchObject({
      executionArn: rotation.executionArn,
      outcome: 'rotated',
      trigger: 'on-demand',
    });
    expect(status.lastRunEvents.map((e) => e.type)).toEqual(
      expect.arrayContaining(['RotationStarted', 'NewCredentialVerified', 'OldCredentialRevoked', 'RotationCompleted']),
    );
    expect(status).toMatchObject({ oldCredentialInUse: false, stuckPending: null, findings: [] });

    // the same as text, for people
    const text = await runKeyturn(ready, ['status', secret.name]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`  last run:       rotated (lifecycle, on-demand)`);
    expect(text.stdout).toContain('  old credential: revoked');
    expect(text.stdout).toContain('  no findings');
  });

  test('history: the rotation from its execution and its audit events, newest first', async () => {
    const run = await runKeyturn(ready, ['history', demo('random').name, '--json', '--limit', '1']);
    expect(run.code).toBe(0);
    const history = json<{
      rotations: { executionArn: string; outcome: string; sources: string[]; events: string[] }[];
    }>(run.stdout);
    expect(history.rotations).toHaveLength(1);
    expect(history.rotations[0]).toMatchObject({
      executionArn: rotation.executionArn,
      outcome: 'rotated',
      sources: ['execution', 'audit'],
    });
    expect(history.rotations[0]?.events).toContain('RotationCompleted');
  });

  test('rotate --dry-run: the plan, nothing changed', async () => {
    const secret = demo('postgres-single-user');
    const before = json<{ versions: unknown[] }>((await runKeyturn(ready, ['status', secret.name, '--json'])).stdout);
    const run = await runKeyturn(ready, ['rotate', secret.name, '--dry-run', '--json']);
    expect(run.code).toBe(0);
    const doc = json<RunDoc>(run.stdout);
    expect(doc).toMatchObject({
      outcome: 'planned',
      dryRun: true,
      plan: { secretArn: secret.arn, strategy: 'postgres-single-user' },
    });
    const after = json<{ versions: unknown[] }>((await runKeyturn(ready, ['status', secret.name, '--json'])).stdout);
    expect(after.versions).toEqual(before.versions);
  });
});

describe('keyturn emergency against the local stack', () => {
  test('--yes: the plan and consumers on stderr, then the emergency run: no grace, revoked, exit 0', async () => {
    const secret = demo('random');
    const run = await runKeyturn(ready, ['emergency', secret.name, '--reason', 'INC-4711', '--yes', '--json']);
    expect(run.code).toBe(0);
    const doc = json<RunDoc>(run.stdout);
    expect(doc).toMatchObject({ command: 'emergency', stateMachine: 'emergency', outcome: 'rotated' });
    expect(doc.states).toContain('Revoke');
    expect(doc.states).not.toContain('Grace');
    expect(run.stderr).toContain(`EMERGENCY rotation of ${secret.name}`);
    expect(run.stderr).toContain('strategy:   random (emergency)');
  });

  test('on a terminal, answering no starts nothing and exits 1', async () => {
    const secret = demo('random');
    const before = json<{ rotations: unknown[] }>((await runKeyturn(ready, ['history', secret.name, '--json'])).stdout);
    const run = await runKeyturn(ready, ['emergency', secret.name, '--reason', 'INC-4712'], {
      tty: true,
      input: 'n\r',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`Rotate ${secret.name} as an emergency now? [y/N]`);
    expect(run.stdout).toContain('cancelled: nothing was started');
    const after = json<{ rotations: unknown[] }>((await runKeyturn(ready, ['history', secret.name, '--json'])).stdout);
    expect(after.rotations).toHaveLength(before.rotations.length);
  });
});

describe('keyturn errors and colour against the local stack', () => {
  test('a missing secret: one line naming it, exit 1; with --json also a document', async () => {
    const run = await runKeyturn(ready, ['rotate', 'no/such-secret']);
    expect(run).toMatchObject({ code: 1, stdout: '', stderr: 'keyturn: secret no/such-secret not found\n' });
    const asJson = await runKeyturn(ready, ['status', 'no/such-secret', '--json']);
    expect(asJson.code).toBe(1);
    expect(json(asJson.stdout)).toEqual({ command: 'status', error: 'secret no/such-secret not found', exitCode: 1 });
  });

  test('a stack that does not exist says how to fix it (--stack, KEYTURN_STACK)', async () => {
    const expected = 'keyturn: stack Other not found: deploy keyturn, or pass --stack (or set KEYTURN_STACK)\n';
    const byOption = await runKeyturn(ready, ['--stack', 'Other', 'status', demo('random').name]);
    expect(byOption).toMatchObject({ code: 1, stderr: expected });
    const byEnv = await runKeyturn(ready, ['status', demo('random').name], { env: { KEYTURN_STACK: 'Other' } });
    expect(byEnv).toMatchObject({ code: 1, stderr: expected });
  });

  test('colour on a terminal, none with NO_COLOR', async () => {
    const coloured = await runKeyturn(ready, ['status', demo('random').name], { tty: true });
    expect(coloured.stdout).toContain('\u001b[');
    const plain = await runKeyturn(ready, ['status', demo('random').name], { tty: true, env: { NO_COLOR: '1' } });
    expect(plain.stdout).toContain('no findings');
    expect(plain.stdout).not.toContain('\u001b[');
  });
});
