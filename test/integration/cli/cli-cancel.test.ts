/**
 * `keyturn rotate` without --wait and `keyturn cancel`, end to end against `npm run local` whose
 * Wait states last up to 60 s: the CLI returns at the grace window with the run still going, and cancel
 * stops it there and says what that leaves.
 */
import { runKeyturn, startLocalAwsProcess, type LocalAwsProcess } from '../../support/local-aws-process';

let local: LocalAwsProcess;

beforeAll(async () => {
  local = await startLocalAwsProcess(60, 'none');
});

afterAll(async () => {
  await local.stop();
});

test('rotate returns at the grace window (the run goes on); cancel stops it there: the old credential was not revoked', async () => {
  const secret = local.ready.demoSecrets.find((s) => s.strategy === 'random');
  if (!secret) throw new Error('no random demo secret');

  // WHEN rotate without --wait
  const rotate = await runKeyturn(local.ready, ['rotate', secret.name]);
  // THEN it says the run continues, and how to follow it
  expect(rotate.code).toBe(0);
  expect(rotate.stdout).toMatch(/^\d\d:\d\d:\d\d {2}Grace \(wait 900 s\)$/m);
  expect(rotate.stdout).toContain('the run continues in Grace');
  expect(rotate.stdout).toContain(`follow it: keyturn status ${secret.name}`);
  const executionArn = /execution (arn:aws:states:\S+)/.exec(rotate.stdout)?.[1] ?? '';

  // WHEN cancel
  const cancel = await runKeyturn(local.ready, ['cancel', executionArn, '--json']);
  // THEN stopped in Grace, with what that leaves and what to check
  expect(cancel.code).toBe(0);
  const doc = JSON.parse(cancel.stdout) as Record<string, unknown>;
  expect(doc).toMatchObject({
    command: 'cancel',
    executionArn,
    stopped: true,
    status: 'ABORTED',
    secretArn: secret.arn,
    lastState: 'Grace',
    advice: { leaves: expect.stringContaining('was not revoked') as unknown },
  });
  expect(doc.stuckPending).toBeUndefined();

  // AND status shows the run as stopped, the old credential's fate unknown (never checked)
  const status = await runKeyturn(local.ready, ['status', secret.name, '--json']);
  const shown = JSON.parse(status.stdout) as { lastRun: { executionArn: string; outcome: string; cause: string } };
  expect(shown.lastRun).toMatchObject({
    executionArn,
    outcome: 'stopped',
    cause: expect.stringMatching(/^cancelled by .+ with keyturn cancel$/) as unknown,
  });

  // AND cancelling again changes nothing: it had already ended
  const again = await runKeyturn(local.ready, ['cancel', executionArn, '--json']);
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({ stopped: false, status: 'ABORTED' });
});

test('cancel of an execution that does not exist names it; exit 1', async () => {
  const arn = 'arn:aws:states:us-east-1:123456789012:execution:keyturn-lifecycle:no-such-run';
  const run = await runKeyturn(local.ready, ['cancel', arn]);
  expect(run).toMatchObject({ code: 1, stderr: `keyturn: execution ${arn} not found\n` });
});
