import { fork } from 'node:child_process';

/**
 * Runs a bench module in a Node.js process of its own and resolves to what it reports: the rotation
 * handler builds its SDK clients once per process, as in Lambda, and each bench's local stack sets the
 * SDK's endpoints and credentials in its own environment.
 */
export function measureInChild<T>(moduleFile: string, what: string): Promise<T> {
  const child = fork(moduleFile, ['--child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: T | undefined;
    child.on('message', (message: T) => {
      result = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`the ${what} bench failed (exit code ${String(code)})`));
    });
  });
}

/** In the child that measureInChild started: runs the bench quietly and sends its result to the parent. */
export function reportToParentWhenChild<T>(run: () => Promise<T>): void {
  if (!process.argv.includes('--child')) return;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  run().then(
    (result) => {
      process.send?.(result);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
