import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The repository root: where `npm run local` and the CLI run. */
export const REPO_ROOT = join(__dirname, '..', '..');

/** `npm run local -- --json`'s ready line (docs/local-aws.md). */
export interface LocalAwsReady {
  readonly ready: true;
  readonly region: string;
  readonly environment: Record<string, string>;
  readonly stateMachines: Record<string, string>;
  readonly demoSecrets: { name: string; arn: string; strategy: string; ready: boolean }[];
}

export interface LocalAwsProcess {
  readonly ready: LocalAwsReady;
  /** SIGTERM, then the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `npm run local -- --json` as an operator would, and resolves once it printed its ready line. `databases`
 * (`--databases`) starts only the throwaway servers a test needs: each costs seconds to start and seed.
 */
export async function startLocalAwsProcess(maxWaitSeconds: number, databases?: string): Promise<LocalAwsProcess> {
  const child: ChildProcess = spawn(
    'npm',
    [
      'run',
      '--silent',
      'local',
      '--',
      '--json',
      '--max-wait-seconds',
      String(maxWaitSeconds),
      ...(databases === undefined ? [] : ['--databases', databases]),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = await new Promise<LocalAwsReady>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line) as LocalAwsReady);
    });
    void exited.then((code) => {
      reject(new Error(`npm run local exited (${String(code)}) before it was ready: ${stderr}`));
    });
  });
  return {
    ready,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunKeyturnOptions {
  /** Run on a pseudo-terminal (util-linux `script`): stdin, stdout and stderr are a terminal. */
  readonly tty?: boolean;
  /** Written to stdin (on a terminal: typed). */
  readonly input?: string;
  readonly env?: Record<string, string>;
}

/** POSIX shell quoting for `script -c`. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Runs `keyturn ARGS` (cli/main.ts through tsx) in a child process with the local AWS's environment. */
export function runKeyturn(
  ready: LocalAwsReady,
  args: readonly string[],
  options: RunKeyturnOptions = {},
): Promise<CliRun> {
  const command = [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'cli/main.ts'), ...args];
  const inherited = { ...process.env };
  delete inherited.AWS_PROFILE;
  delete inherited.KEYTURN_STACK;
  delete inherited.NO_COLOR;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    ...ready.environment,
    KEYTURN_POLL_MS: '100',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...options.env,
  };
  const child = options.tty
    ? spawn('script', ['-qfec', command.map(shellQuote).join(' '), '/dev/null'], { cwd: REPO_ROOT, env })
    : spawn(command[0] ?? 'node', command.slice(1), { cwd: REPO_ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (options.input !== undefined) child.stdin.write(options.input);
  if (!options.tty) child.stdin.end();
  return new Promise((resolve) => {
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}
