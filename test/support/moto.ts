/** moto's AWS API emulator (`python3 -m moto.server`) on a free loopback port, for conformance tests. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freeLoopbackPort } from '../../local/net/free-port';

export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Why moto cannot run on this machine, or undefined when it can. */
export function motoUnavailableReason(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import moto.server'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error) return `python3 could not be run (${probe.error.message})`;
  if (probe.status !== 0) {
    return `python3 cannot import moto.server (${probe.stderr.trim().split('\n').pop() ?? 'unknown error'})`;
  }
  return undefined;
}

export interface MotoOptions {
  /**
   * Serve one request at a time. moto's threaded server applies concurrent updates of one item without a
   * lock (two conditional UpdateItems can both read the old value), where DynamoDB makes each single-item
   * write atomic; one request at a time restores that guarantee for tests that race writers.
   * @default false
   */
  readonly oneRequestAtATime?: boolean;
}

// moto.server's own entry point, with werkzeug's `threaded` turned off.
const SERIAL_MOTO = [
  'import moto.server as m',
  'serve = m.run_simple',
  "m.run_simple = lambda *a, **k: serve(*a, **{**k, 'threaded': False})",
  'm.main()',
].join('\n');

/** Starts moto and resolves once it answers. */
export async function startMotoServer(options: MotoOptions = {}): Promise<MotoServer> {
  const port = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  const command = options.oneRequestAtATime ? ['-c', SERIAL_MOTO, ...args] : ['-m', 'moto.server', ...args];
  const child: ChildProcess = spawn('python3', command, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto server did not start on ${endpoint}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    async stop() {
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killTimer);
    },
  };
}
