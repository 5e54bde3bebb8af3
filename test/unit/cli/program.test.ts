import type { AwsClients } from '../../../cli/aws';
import { runCli } from '../../../cli/program';
import { ExitCode } from '../../../cli/output/exit-codes';
import { capturedIo } from '../../support/cli-io';

/** Clients that must not be reached: a usage error or --help starts nothing and calls no AWS API. */
function untouchableClients(): { factory: () => AwsClients; touched: () => string[] } {
  const touched: string[] = [];
  const clients = new Proxy({} as AwsClients, {
    get(_target, name) {
      touched.push(String(name));
      throw new Error(`AWS client ${String(name)} used`);
    },
  });
  return { factory: () => clients, touched: () => touched };
}

async function run(argv: string[], options: { tty?: boolean } = {}) {
  const io = capturedIo(options);
  const aws = untouchableClients();
  const code = await runCli(argv, { io, clients: aws.factory });
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text(), touched: aws.touched() };
}

describe('keyturn command line: usage errors exit 2 and start nothing', () => {
  test.each([
    [['rotate'], /missing required argument 'secret'/],
    [['emergency', 'orders-db'], /required option '--reason <text>' not specified/],
    [['fleet', '--max-concurrency', '0'], /--max-concurrency <n>.*must be a whole number from 1 to 250/],
    [['fleet', '--tag', 'team=a', '--tolerate', '101'], /--tolerate <pct>.*must be a number from 0 to 100/],
    [['history', 'orders-db', '--limit', 'many'], /--limit <n>.*must be a whole number/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['discover', '--access-key-max-age-days', 'x'], /--access-key-max-age-days <n>.*must be a whole number from 0/],
    [['rotate', 'orders-db', '--colour'], /unknown option '--colour'/],
    [['fleet'], /name the secrets: --tag KEY=VALUE \(repeatable\) or --file LIST/],
    [['fleet', '--tag', 'team=a', '--file', 'list.txt'], /give either --tag or --file, not both/],
    [['fleet', '--tag', 'team'], /--tag team: write it as KEY=VALUE/],
    [
      ['fleet', '--file', '/nonexistent/keyturn-list.txt'],
      /cannot read --file \/nonexistent\/keyturn-list.txt: ENOENT/,
    ],
    [['emergency', 'orders-db', '--reason', 'INC-1'], /needs confirmation: not a terminal, so pass --yes/],
  ])('%j', async (argv, message) => {
    // WHEN
    const result = await run(argv);
    // THEN
    expect(result.code).toBe(ExitCode.Usage);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    expect(result.touched).toEqual([]);
  });

  test('no command at all is a usage error that shows the help', async () => {
    const result = await run([]);
    expect(result.code).toBe(ExitCode.Usage);
    expect(result.stderr).toContain('Usage: keyturn [options] [command]');
  });
});

describe('keyturn command line: --help on every command, with an example', () => {
  test.each(['rotate', 'emergency', 'fleet', 'status', 'history', 'cancel', 'discover'])('%s --help', async (name) => {
    // WHEN
    const result = await run([name, '--help']);
    // THEN exit 0, the usage, an example of the command itself, its exit codes; nothing reached AWS
    expect(result.code).toBe(ExitCode.Success);
    expect(result.stdout).toContain(`Usage: keyturn ${name}`);
    expect(result.stdout).toMatch(new RegExp(`Examples?:\\n  keyturn ${name}\\b`));
    expect(result.stdout).toContain('Exit codes:');
    expect(result.touched).toEqual([]);
  });

  test('the program lists every command and the exit codes', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(ExitCode.Success);
    for (const name of ['rotate', 'emergency', 'fleet', 'status', 'history', 'cancel', 'discover'])
      expect(result.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(result.stdout).toContain(
      'Exit codes: 0 success, 1 the operation failed, 2 usage error, 3 completed with findings.',
    );
  });
});

describe('keyturn command line: errors name the problem, without a stack trace unless --debug', () => {
  test('an AWS failure is one line and exit 1; --debug adds the stack', async () => {
    // GIVEN clients failing as a missing credential chain does
    const failingClient = {
      send: () =>
        Promise.reject(
          Object.assign(new Error('Could not load credentials from any providers'), {
            name: 'CredentialsProviderError',
          }),
        ),
    };
    const failing = new Proxy({} as AwsClients, { get: () => failingClient });
    for (const debug of [false, true]) {
      const io = capturedIo();
      // WHEN
      const code = await runCli(['status', 'orders-db', ...(debug ? ['--debug'] : [])], { io, clients: () => failing });
      // THEN
      expect(code).toBe(ExitCode.Failed);
      const [first, ...rest] = io.stderr.text().trimEnd().split('\n');
      expect(first).toBe(
        'keyturn: no AWS credentials found (Could not load credentials from any providers): configure them as for the AWS CLI, or pass --profile',
      );
      expect(rest.some((line) => /^\s+at /.test(line))).toBe(debug);
    }
  });
});

describe('keyturn command line: --json errors', () => {
  test('an error after parsing still gives one JSON document on stdout', async () => {
    // WHEN a fleet command without a selection, with --json
    const io = capturedIo();
    const code = await runCli(['--json', 'fleet'], { io, clients: untouchableClients().factory });
    // THEN
    expect(code).toBe(ExitCode.Usage);
    expect(JSON.parse(io.stdout.text())).toEqual({
      command: 'fleet',
      error: 'name the secrets: --tag KEY=VALUE (repeatable) or --file LIST',
      exitCode: 2,
    });
  });
});
