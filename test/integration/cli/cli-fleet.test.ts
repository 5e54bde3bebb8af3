/**
 * `keyturn fleet` end to end against `npm run local`: the live progress bar on a pseudo-terminal
 * (util-linux `script`), plain lines and one JSON document off a terminal, and a dry run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKeyturn, startLocalAwsProcess, type LocalAwsProcess } from '../../support/local-aws-process';

let local: LocalAwsProcess;
let dir: string;

beforeAll(async () => {
  local = await startLocalAwsProcess(0.2, 'postgres');
  dir = mkdtempSync(join(tmpdir(), 'keyturn-cli-fleet-'));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await local.stop();
});

interface FleetDoc {
  command: string;
  dryRun: boolean;
  selected: number;
  status: string;
  counts: { rotated: number; failed: number; wouldRotate: number };
  summary: Record<string, unknown>;
}

describe('keyturn fleet against the local stack', () => {
  test('on a terminal: a live bar with rotated, left in use, skipped, failed, rate and time left; exit 0', async () => {
    const managed = local.ready.demoSecrets.length;
    const run = await runKeyturn(local.ready, ['fleet', '--tag', 'keyturn:managed=true'], { tty: true });
    expect(run.code).toBe(0);
    // cli-progress draws the bar with █ and ░ and redraws it in place (cursor to column 1, then the line)
    expect(run.stdout).toMatch(
      /[█░]{24} \d+\/\d+ \| rotated \d+ \| left in use 0 \| skipped 0 \| failed 0 \| .+ \| .+ left/,
    );
    expect(run.stdout).toContain(`${'█'.repeat(24)} ${managed}/${managed} | rotated ${managed} |`);
    expect(run.stdout.split('\u001b[1G').length).toBeGreaterThan(2);
    expect(run.stdout).toContain('fleet done');
  });

  test('off a terminal with --json: plain progress lines on stderr, one document on stdout', async () => {
    const [first, second] = local.ready.demoSecrets;
    const list = join(dir, 'secrets.txt');
    writeFileSync(list, `# two of the demo secrets\n${first?.name ?? ''}\n${second?.arn ?? ''}\n`);
    const run = await runKeyturn(local.ready, ['fleet', '--file', list, '--max-concurrency', '2', '--json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as FleetDoc;
    expect(doc).toMatchObject({
      command: 'fleet',
      dryRun: false,
      selected: 2,
      status: 'SUCCEEDED',
      counts: { rotated: 2, failed: 0 },
      summary: { selected: 2, succeeded: 2, failed: 0 },
    });
    expect(run.stderr).toMatch(/^2\/2 done: rotated 2, left in use 0, skipped 0, failed 0; .+ left$/m);
    expect(run.stderr).not.toContain('█');
  });

  test('--dry-run: the fleet state machine dry run, what would rotate, nothing changed', async () => {
    const managed = local.ready.demoSecrets.length;
    const run = await runKeyturn(local.ready, ['fleet', '--tag', 'keyturn:managed=true', '--dry-run', '--json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as FleetDoc;
    expect(doc).toMatchObject({
      dryRun: true,
      status: 'SUCCEEDED',
      counts: { wouldRotate: managed, rotated: 0 },
      summary: { dryRun: true, selected: managed, wouldRotate: managed, refused: 0, wouldSkip: 0 },
    });
  });
});
