import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { build } from 'esbuild';
import {
  lazyModuleEsbuildOptions,
  writeLazyModulePackageJson,
  REPO_ROOT,
  toEsbuildOptions,
  type LambdaHandlerSource,
} from '../../infra/constructs/bundling-options';

/** A Lambda function as deployed: its esbuild bundle, loaded in a Node.js process of its own. */
export interface BundledFunction {
  /** Invokes the handler with `event`; a thrown error comes back with its name and message. */
  invoke(event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** A function's asset on disk, built once; any number of processes (execution environments) may load it. */
export interface FunctionBundle {
  /** The runner each process starts: it loads the bundle and answers invocations over IPC. */
  readonly runner: string;
  /** The bundle (`index.js`), with its lazily loaded modules in `node_modules/` beside it. */
  readonly file: string;
  /** The function's own environment (besides what Lambda sets). */
  readonly environment: Readonly<Record<string, string>>;
  /** Deletes the asset from disk. */
  remove(): void;
}

/** One execution environment: a Node.js process that loaded the bundle (a cold start) and serves invocations. */
export interface FunctionProcess {
  readonly pid: number;
  /** The process's stdout and stderr (the function's logs), when started with `stdio: 'pipe'`. */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Invokes the handler; rejects as Lambda reports a crashed runtime (`Runtime.ExitError`) if the process dies first. */
  invoke(event: unknown): Promise<unknown>;
  /** Whether the process has not exited yet. */
  alive(): boolean;
  /** Sends a signal (SIGKILL: a crash) and resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

type Reply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string } };

// The child loads the bundle once (a cold start) and answers invocations over IPC.
const RUNNER = `
const { handler } = require(process.env.KEYTURN_BUNDLE_FILE);
process.on('message', ({ id, event }) => {
  Promise.resolve()
    .then(() => handler(event))
    .then(
      (result) => process.send({ id, ok: true, result }),
      (error) => process.send({ id, ok: false, error: { name: error?.name ?? 'Error', message: String(error?.message ?? error) } }),
    );
});
`;

/**
 * Bundles `source` exactly as the CDK app does (toEsbuildOptions), with its lazy modules as the
 * asset ships them, into a temporary directory.
 */
export async function buildFunctionBundle(source: LambdaHandlerSource): Promise<FunctionBundle> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-bundled-'));
  const file = path.join(dir, 'index.js');
  const runner = path.join(dir, 'runner.js');
  await build({ ...toEsbuildOptions(source.bundle, source.entry, file), absWorkingDir: REPO_ROOT, logLevel: 'error' });
  // The packages the function loads on first use, as the asset ships them (node_modules/ beside index.js).
  await Promise.all(
    source.bundle.lazyModules.map((lazyModule) =>
      build({
        ...lazyModuleEsbuildOptions(source.bundle, lazyModule, dir),
        absWorkingDir: REPO_ROOT,
        logLevel: 'error',
      }).then(() => {
        writeLazyModulePackageJson(dir, lazyModule);
      }),
    ),
  );
  fs.writeFileSync(runner, RUNNER.replace('handler }', `${source.handler}: handler }`));
  return {
    runner,
    file,
    environment: source.environment,
    remove: () => {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ForkOptions {
  /** Merged over this process's environment and the function's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** `pipe`: the function's stdout and stderr are readable; `inherit`: stderr goes to this process's. @default 'inherit' */
  readonly stdio?: 'pipe' | 'inherit';
}

/**
 * Starts one process on the bundle, with this process's environment (the local stack's endpoints
 * included). A child process, not `require`: the bundle's dynamic imports need Node's own module
 * loader, which Jest's VM lacks.
 */
export function forkFunctionProcess(bundle: FunctionBundle, options: ForkOptions = {}): FunctionProcess {
  const child: ChildProcess = fork(bundle.runner, [], {
    // Plain Node, as Lambda runs it: not the loader flags (tsx's) of the process that forks it.
    execArgv: [],
    env: { ...process.env, ...bundle.environment, ...options.env, KEYTURN_BUNDLE_FILE: bundle.file },
    stdio: options.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if (!waiting) return;
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
  });
  child.on('exit', (code, signal) => {
    // What Lambda reports for an invocation whose runtime died under it.
    const how = signal === null ? `exit status ${code ?? '?'}` : `signal: ${signal === 'SIGKILL' ? 'killed' : signal}`;
    for (const waiting of pending.values()) {
      waiting.reject(
        Object.assign(new Error(`RequestId: ${randomUUID()} Error: Runtime exited with error: ${how}`), {
          name: 'Runtime.ExitError',
        }),
      );
    }
    pending.clear();
  });
  // A process that died before it could read its IPC channel must not crash this one.
  child.on('error', () => undefined);
  let nextId = 0;
  return {
    pid: child.pid ?? -1,
    stdout: child.stdout,
    stderr: child.stderr,
    invoke(event: unknown): Promise<unknown> {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, event }, (error) => {
          if (error && pending.delete(id)) reject(error);
        });
      });
    },
    alive: () => child.exitCode === null && child.signalCode === null,
    async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Bundles `source` and starts one process on it: the function as Lambda would load it. */
export async function startBundledFunction(source: LambdaHandlerSource): Promise<BundledFunction> {
  const bundle = await buildFunctionBundle(source);
  const environment = forkFunctionProcess(bundle);
  return {
    invoke: (event) => environment.invoke(event),
    async stop(): Promise<void> {
      await environment.kill('SIGTERM');
      bundle.remove();
    },
  };
}
