import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { LAMBDA_NODE_MAJOR, REPO_ROOT } from '../infra/constructs/bundling-options';

const execFileAsync = promisify(execFile);

/** Where the benchmark keeps its copy of the Lambda runtime's Node.js (gitignored). */
const CACHE_DIR = path.join(REPO_ROOT, '.keyturn', `node${LAMBDA_NODE_MAJOR}`);

export interface NodeBinary {
  readonly file: string;
  readonly version: string;
}

/**
 * A Node.js binary of the Lambda runtime's major version, so cold init is measured on the
 * engine that will run the bundle (module loading differs between majors: on Node 20,
 * `pg` alone pays ~15 ms probing for Cloudflare Workers, which Node 21+ skips). The binary
 * comes from the npm registry's `node-linux-<arch>` package, installed into a cache dir
 * rather than the project, so it never shadows `node` for the project's own scripts.
 * Falls back to the running Node.js when that is already the right major or the install fails.
 */
export async function lambdaNodeBinary(): Promise<NodeBinary> {
  const current = { file: process.execPath, version: process.version };
  if (Number(process.versions.node.split('.')[0]) === LAMBDA_NODE_MAJOR) return current;
  const pkg = `node-${process.platform}-${process.arch}`;
  const file = path.join(CACHE_DIR, 'node_modules', pkg, 'bin', 'node');
  try {
    await access(file);
  } catch {
    try {
      console.error(
        `bench: installing Node.js ${LAMBDA_NODE_MAJOR} (${pkg}) into ${path.relative(REPO_ROOT, CACHE_DIR)} …`,
      );
      await execFileAsync('npm', [
        'install',
        '--prefix',
        CACHE_DIR,
        '--no-save',
        '--no-audit',
        '--no-fund',
        `${pkg}@${LAMBDA_NODE_MAJOR}`,
      ]);
    } catch (error) {
      console.error(
        `bench: could not install Node.js ${LAMBDA_NODE_MAJOR}, measuring on ${process.version}: ${(error as Error).message}`,
      );
      return current;
    }
  }
  const { stdout } = await execFileAsync(file, ['--version']);
  return { file, version: stdout.trim() };
}
