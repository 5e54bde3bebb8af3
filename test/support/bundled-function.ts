import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { build } from 'esbuild';
import {
  lazyModuleEsbuildOptions,
  writeAssetFiles,
  writeLazyModulePackageJson,
  REPO_ROOT,
  toEsbuildOptions,
  type LambdaHandlerSource,
} from '../../infra/constructs/bundling-options';

/** A Lambda function as deployed: its esbuild bundle, loaded in a Node.js process of its own. */
export interface BundledFunction {
  /** The asset directory (`index.js` and what ships beside it). */
  readonly dir: string;
  /** Invokes the handler with `event`; a thrown error comes back with its name and message. */
  invoke(event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

export interface BundledFunctionOptions {
  /** More environment for the function's process. */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Host names the function's process resolves to these addresses, as /etc/hosts would (only `dns.lookup`
   * changes: TLS still checks the certificate against the name), e.g. an RDS endpoint name → 127.0.0.1.
   */
  readonly hostAddresses?: Readonly<Record<string, string>>;
  /** Asset files replaced after the build (name → content), e.g. the RDS CA bundle by a test CA. */
  readonly replaceAssetFiles?: Readonly<Record<string, string>>;
}

/** A function's asset on disk, built once; any number of processes (execution environments) may load it. */
export interface FunctionBundle {
  /** The runner each process starts: it loads the bundle and answers invocations over IPC. */
  readonly runner: string;
  /** The bundle (`index.js`), with its lazily loaded modules in `node_modules/` beside it. */
  readonly file: string;
  /** The asset directory (`index.js` and what ships beside it). */
  readonly dir: string;
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
// KEYTURN_TEST_HOST_ADDRESSES maps host names to addresses in dns.lookup, which Node's net module asks.
const RUNNER = `
const hostAddresses = JSON.parse(process.env.KEYTURN_TEST_HOST_ADDRESSES || '{}');
const dns = require('node:dns');
const systemLookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  const address = hostAddresses[String(hostname).toLowerCase()];
  if (address === undefined) return systemLookup.apply(this, arguments);
  const done = typeof options === 'function' ? options : callback;
  const family = address.includes(':') ? 6 : 4;
  if (typeof options === 'object' && options !== null && options.all) process.nextTick(done, null, [{ address, family }]);
  else process.nextTick(done, null, address, family);
};
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
 * Bundles `source` exactly as the CDK app does (toEsbuildOptions), with its lazy modules and data
 * files as the asset ships them, into a temporary directory; `replaceAssetFiles` swaps data files.
 */
export async function buildFunctionBundle(
  source: LambdaHandlerSource,
  replaceAssetFiles: Readonly<Record<string, string>> = {},
): Promise<FunctionBundle> {
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
  // The data files the asset ships beside index.js (written by the same commands as the CDK build's).
  writeAssetFiles(source.bundle, dir);
  for (const [name, content] of Object.entries(replaceAssetFiles)) {
    if (!fs.existsSync(path.join(dir, name))) throw new Error(`the asset has no file ${name} to replace`);
    fs.writeFileSync(path.join(dir, name), content);
  }
  fs.writeFileSync(runner, RUNNER.replace('handler }', `${source.handler}: handler }`));
  return {
    dir,
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
export async function startBundledFunction(
  source: LambdaHandlerSource,
  options: BundledFunctionOptions = {},
): Promise<BundledFunction> {
  const bundle = await buildFunctionBundle(source, options.replaceAssetFiles);
  const environment = forkFunctionProcess(bundle, {
    env: { ...options.environment, KEYTURN_TEST_HOST_ADDRESSES: JSON.stringify(options.hostAddresses ?? {}) },
  });
  return {
    dir: bundle.dir,
    invoke: (event) => environment.invoke(event),
    async stop(): Promise<void> {
      await environment.kill('SIGTERM');
      bundle.remove();
    },
  };
}
