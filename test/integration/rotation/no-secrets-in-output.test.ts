// Logs and metrics on, as in Lambda: set before the handler is first imported.
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

import type { LocalPostgres } from '../../../local/databases/postgres';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { createSecret, rotateAndWait, valueAt } from '../../support/secrets';

let stack: LocalStack;
let pg: LocalPostgres;
const output: string[] = [];
let restore: () => void;

function capture(): () => void {
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  return () => {
    for (const spy of spies) spy.mockRestore();
  };
}

interface LogLine {
  level?: string;
  message?: string;
  service?: string;
  rotationId?: string;
  secretArn?: string;
  step?: string;
  strategy?: string;
  _aws?: { CloudWatchMetrics: { Metrics: { Name: string }[]; Dimensions: string[][] }[] };
  [key: string]: unknown;
}

function lines(): LogLine[] {
  return output
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

const secrets: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ postgres: true });
  pg = stack.postgres as LocalPostgres;
  secrets.push(pg.masterPassword);

  const master = await createSecret(stack.client, 'obs/master', pg.masterSecretValue());
  await pg.admin("CREATE ROLE obs_single LOGIN PASSWORD 'Obs-single-initial-1'");
  await pg.admin("CREATE ROLE obs_alt LOGIN PASSWORD 'Obs-alt-initial-2'");
  secrets.push('Obs-single-initial-1', 'Obs-alt-initial-2', 'sk_live_initial_key_3', 'bad-master-pw-4');
  const single = await createSecret(stack.client, 'obs/single', pg.secretValue('obs_single', 'Obs-single-initial-1'));
  const alternating = await createSecret(
    stack.client,
    'obs/alt',
    pg.secretValue('obs_alt', 'Obs-alt-initial-2', { masterarn: master.arn }),
  );
  const apiKey = await createSecret(stack.client, 'obs/api-key', 'sk_live_initial_key_3', {
    'keyturn:strategy': 'random',
  });
  const badMaster = await createSecret(
    stack.client,
    'obs/bad-master',
    pg.masterSecretValue({ password: 'bad-master-pw-4' }),
  );
  const failing = await createSecret(
    stack.client,
    'obs/failing',
    pg.secretValue('obs_alt', 'Obs-alt-initial-2', { masterarn: badMaster.arn }),
  );

  restore = capture();
  try {
    for (const arn of [single.arn, alternating.arn, apiKey.arn, single.arn, alternating.arn]) {
      expect(await rotateAndWait(stack, arn)).toMatchObject({ succeeded: true });
    }
    expect(await rotateAndWait(stack, failing.arn)).toMatchObject({ succeeded: false, errorName: 'MasterSecretError' });
  } finally {
    restore();
  }
  for (const arn of [single.arn, alternating.arn, apiKey.arn]) {
    for (const stage of ['AWSCURRENT', 'AWSPREVIOUS']) {
      const value = await valueAt(stack.client, arn, stage);
      secrets.push(value);
      try {
        secrets.push((JSON.parse(value) as { password: string }).password);
      } catch {
        // a plain-string secret: the value itself is the secret
      }
    }
  }
});
afterAll(() => stack.stop());

describe('a full set of rotations, captured from stdout and stderr', () => {
  it("captured the rotation function's output (the capture works)", () => {
    expect(lines().filter((l) => l.service === 'keyturn-rotate-secret').length).toBeGreaterThan(20);
  });

  it('never prints a secret value: old, new, master or a rejected master', () => {
    const everything = output.join('');
    expect(secrets.length).toBeGreaterThanOrEqual(14);
    for (const secret of new Set(secrets)) {
      expect(everything.includes(secret)).toBe(false);
    }
  });

  it('puts the rotation id, secret ARN and step on every log line, and the strategy once known', () => {
    const logs = lines().filter((l) => l.level !== undefined && l.service === 'keyturn-rotate-secret');
    for (const line of logs) {
      expect(line).toMatchObject({
        rotationId: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
        secretArn: expect.stringContaining('arn:aws:secretsmanager:') as string,
        step: expect.stringMatching(/^(create|set|test|finish)Secret$/) as string,
      });
    }
    const stepLines = logs.filter((l) => /pending value|AWSCURRENT/.test(l.message ?? ''));
    expect(stepLines.length).toBeGreaterThan(0);
    for (const line of stepLines)
      expect(line.strategy).toMatch(/^(random|postgres-single-user|postgres-alternating-users)$/);
    expect(logs.some((l) => l.level === 'ERROR' && l.message === 'rotation step failed')).toBe(true);
  });

  it('emits rotation and step metrics in EMF, by strategy', () => {
    const emf = lines().filter((l) => l._aws !== undefined);
    const named = (name: string) =>
      emf.filter((l) => l._aws?.CloudWatchMetrics[0]?.Metrics.some((m) => m.Name === name));
    expect(
      named('RotationSucceeded')
        .map((l) => l.Strategy)
        .sort(),
    ).toEqual([
      'postgres-alternating-users',
      'postgres-alternating-users',
      'postgres-single-user',
      'postgres-single-user',
      'random',
    ]);
    expect(named('RotationStarted')).toHaveLength(6);
    expect(named('RotationFailed').map((l) => l.Strategy)).toEqual(['postgres-alternating-users']);
    expect(named('RotationStepFailed').map((l) => l.Step)).toEqual(['setSecret']);
    expect(named('RotationStepSucceeded').length).toBe(5 * 4 + 1);
    // Started is flushed before the step runs, by Step only: 5 full rotations plus createSecret and setSecret of the failed one.
    expect(named('RotationStepStarted').length).toBe(5 * 4 + 2);
    expect(named('RotationDuration').every((l) => typeof l.RotationDuration === 'number')).toBe(true);
  });
});
