import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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

type Reply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string } };

// The child loads the bundle once (a cold start) and answers invocations over IPC, one at a time as Lambda would.
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
 * Bundles `source` exactly as the CDK app does (toEsbuildOptions) and starts it in a child process
 * whose environment is this process's (the local stack's endpoints included), the function's own, and
 * `environment`. A child process, not
 * `require`: the bundle's dynamic imports need Node's own module loader, which Jest's VM lacks.
 */
export async function startBundledFunction(
  source: LambdaHandlerSource,
  options: BundledFunctionOptions = {},
): Promise<BundledFunction> {
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
  for (const [name, content] of Object.entries(options.replaceAssetFiles ?? {})) {
    if (!fs.existsSync(path.join(dir, name))) throw new Error(`the asset has no file ${name} to replace`);
    fs.writeFileSync(path.join(dir, name), content);
  }
  fs.writeFileSync(runner, RUNNER.replace('handler }', `${source.handler}: handler }`));
  const child: ChildProcess = fork(runner, [], {
    env: {
      ...process.env,
      ...source.environment,
      ...options.environment,
      KEYTURN_BUNDLE_FILE: file,
      KEYTURN_TEST_HOST_ADDRESSES: JSON.stringify(options.hostAddresses ?? {}),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if (!waiting) return;
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
  });
  child.on('exit', (code) => {
    for (const waiting of pending.values()) waiting.reject(new Error(`the bundled function exited (${code ?? '?'})`));
    pending.clear();
  });
  let nextId = 0;
  return {
    dir,
    invoke(event: unknown): Promise<unknown> {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, event });
      });
    },
    async stop(): Promise<void> {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill();
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
