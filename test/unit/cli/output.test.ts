import { colorEnabled } from '../../../cli/output/colors';
import { describeError, CliError, UsageError, exitCodeOf } from '../../../cli/output/errors';
import { ExitCode } from '../../../cli/output/exit-codes';
import { createReporter } from '../../../cli/output/reporter';
import { runResultLines, stateLine, type RunDocument } from '../../../cli/output/run';
import { formatTime } from '../../../cli/output/time';
import { capturedIo, capturedStream } from '../../support/cli-io';

const ESC = '\u001b[';

describe('colour: only on a terminal, never with NO_COLOR', () => {
  test.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true], // no-color.org: only a non-empty NO_COLOR disables
  ])('tty %s env %j → %s', (tty, env, enabled) => {
    expect(colorEnabled(capturedStream(tty), env)).toBe(enabled);
  });

  test('a reporter on a terminal colours, the same with NO_COLOR does not', () => {
    for (const [env, coloured] of [
      [{}, true],
      [{ NO_COLOR: 'yes' }, false],
    ] as const) {
      const io = capturedIo({ tty: true, env });
      createReporter(io, false).progress(createReporter(io, false).colors.red('failed'));
      expect(io.stdout.text().includes(ESC)).toBe(coloured);
    }
  });
});

describe('reporter: text for people, one JSON document with --json', () => {
  test('text: progress and result on stdout, notes on stderr', () => {
    const io = capturedIo();
    const reporter = createReporter(io, false);
    reporter.progress('Begin');
    reporter.note('a note');
    reporter.result({ ok: true }, ['done']);
    expect(io.stdout.text()).toBe('Begin\ndone\n');
    expect(io.stderr.text()).toBe('a note\n');
  });

  test('--json: stdout is exactly one parseable document; progress goes to stderr', () => {
    const io = capturedIo();
    const reporter = createReporter(io, true);
    reporter.progress('Begin');
    reporter.result({ command: 'rotate', at: new Date('2026-12-07T17:00:00Z') }, ['done']);
    expect(JSON.parse(io.stdout.text())).toEqual({ command: 'rotate', at: '2026-12-07T17:00:00.000Z' });
    expect(io.stderr.text()).toBe('Begin\n');
  });
});

describe('errors and exit codes', () => {
  test('a CliError keeps its message and code; a usage error is 2; anything else is 1', () => {
    expect(describeError(new CliError('secret orders-db not found'))).toBe('secret orders-db not found');
    expect(exitCodeOf(new UsageError('bad'))).toBe(ExitCode.Usage);
    expect(exitCodeOf(new CliError('x', ExitCode.Findings))).toBe(ExitCode.Findings);
    expect(exitCodeOf(new Error('boom'))).toBe(ExitCode.Failed);
  });

  test('an AWS error is named by its exception', () => {
    const error = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    expect(describeError(error)).toBe('ThrottlingException: Rate exceeded');
  });
});

describe('run rendering', () => {
  const plain = createReporter(capturedIo(), false).colors;

  test('a state line: time, name, and a wait when the history tells it', () => {
    expect(
      stateLine({ name: 'Grace', type: 'Wait', at: new Date('2026-12-07T17:04:11Z'), waitSeconds: 900 }, plain),
    ).toBe('17:04:11  Grace (wait 900 s)');
    expect(stateLine({ name: 'Verify', type: 'Task', at: new Date('2026-12-07T17:04:12Z') }, plain)).toBe(
      '17:04:12  Verify',
    );
  });

  const base: RunDocument = {
    command: 'rotate',
    secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-AbCdEf',
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:Lifecycle:cli-on-demand-1',
    stateMachine: 'lifecycle',
    dryRun: false,
    status: 'RUNNING',
    outcome: 'running',
    states: ['Begin', 'Preflight', 'RotateSecret', 'Verify', 'Grace'],
    waitingIn: 'Grace',
    next: 'keyturn status orders',
  };

  test('a run left in a long wait says it continues and how to follow it', () => {
    expect(runResultLines(base, plain)).toEqual([
      'the run continues in Grace',
      `  execution ${base.executionArn}`,
      '  follow it: keyturn status orders',
    ]);
  });

  test('a failed run shows its error and cause', () => {
    const lines = runResultLines(
      { ...base, status: 'FAILED', outcome: 'failed', error: 'StuckRotationError', cause: 'AWSPENDING on v2' },
      plain,
    );
    expect(lines).toEqual([
      'failed',
      '  error: StuckRotationError',
      '  cause: AWSPENDING on v2',
      `  execution ${base.executionArn}`,
    ]);
  });

  test('times are UTC to the second', () => {
    expect(formatTime(new Date('2026-12-07T17:04:11.123Z'))).toBe('2026-12-07T17:04:11Z');
    expect(formatTime(undefined)).toBe('-');
  });
});
