import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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

type Reply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string } };

// The child loads the bundle once (a cold start) and answers invocations over IPC, one at a time as Lambda would.
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
 * Bundles `source` exactly as the CDK app does (toEsbuildOptions) and starts it in a child process
 * whose environment is this process's (the local stack's endpoints included), the function's own, and
 * `environment`. A child process, not
 * `require`: the bundle's dynamic imports need Node's own module loader, which Jest's VM lacks.
 */
export async function startBundledFunction(
  source: LambdaHandlerSource,
  environment: Readonly<Record<string, string>> = {},
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
  fs.writeFileSync(runner, RUNNER.replace('handler }', `${source.handler}: handler }`));
  const child: ChildProcess = fork(runner, [], {
    env: { ...process.env, ...source.environment, ...environment, KEYTURN_BUNDLE_FILE: file },
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
