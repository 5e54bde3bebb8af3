/**
 * Bundle size and cold module-init time of the rotate-secret function, built exactly as the CDK
 * construct builds it (same settings object, see infra/constructs/bundling-options.ts).
 *
 *   npx tsx bench/bundle.ts            prints {"bundle_bytes":…,"init_ms":…}
 *   npx tsx bench/bundle.ts --analyze  also prints, on stderr, what the bundle is made of and the
 *                                      same figures with the AWS SDK left to the Lambda runtime
 *                                      and without source maps
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { lambdaNodeBinary } from './lambda-node';
import {
  LAMBDA_NODE_MAJOR,
  lazyModuleEsbuildOptions,
  writeLazyModulePackageJson,
  REPO_ROOT,
  ROTATE_SECRET_BUNDLE,
  ROTATE_SECRET_ENTRY,
  ROTATE_SECRET_ENVIRONMENT,
  toEsbuildOptions,
  type LambdaBundleSettings,
} from '../infra/constructs/bundling-options';

const execFileAsync = promisify(execFile);

/** Init is measured on the Lambda runtime's Node.js major, fetched once (see lambda-node.ts). */
const lambdaNode = lambdaNodeBinary();

/** Fresh processes whose init times are measured (after one unmeasured warm-up for the disk cache). */
const INIT_SAMPLES = 21;
const INIT_MARKER = 'KEYTURN_INIT_NS=';

/** Measures the bundle, inside each child process, around `require()` only. */
const CHILD_SCRIPT = `
const bundle = process.argv[1];
const start = process.hrtime.bigint();
require(bundle);
const end = process.hrtime.bigint();
process.stdout.write('\\n${INIT_MARKER}' + String(end - start) + '\\n');
`;

export interface BundleMeasurement {
  /** Size of the minified bundle (`index.js`), source map excluded. */
  readonly bundle_bytes: number;
  /** Median time to `require()` the bundle in a fresh Node.js process with a Lambda-like environment. */
  readonly init_ms: number;
}

interface MeasureOptions {
  readonly settings?: LambdaBundleSettings;
  /** Run the child with `--enable-source-maps` (default: the function's own NODE_OPTIONS). */
  readonly withSourceMaps?: boolean;
}

interface BuiltBundle {
  readonly dir: string;
  readonly file: string;
  readonly bytes: number;
  readonly metafile: Metafile;
}

/** Bundle size and median cold init of the rotate-secret function as deployed. */
export async function measureBundle(): Promise<{ bundle_bytes: number; init_ms: number; init_node_major: number }> {
  const { bundle_bytes, init_ms } = await measure();
  const node = await lambdaNode;
  return { bundle_bytes, init_ms, init_node_major: Number(node.version.replace(/^v/, '').split('.')[0]) };
}

async function measure(options: MeasureOptions = {}): Promise<BundleMeasurement & { metafile: Metafile }> {
  const bundle = await buildBundle(options.settings ?? ROTATE_SECRET_BUNDLE);
  try {
    const externals = (options.settings ?? ROTATE_SECRET_BUNDLE).externalModules;
    const env = lambdaEnvironment(bundle.dir, {
      withSourceMaps: options.withSourceMaps ?? false,
      // Stands in for the runtime's own copy of what the bundle leaves out (/var/runtime/node_modules).
      nodePath: externals.length > 0 ? path.join(REPO_ROOT, 'node_modules') : undefined,
    });
    await initOnce(bundle.file, env); // warm-up, not measured
    const samples: number[] = [];
    for (let i = 0; i < INIT_SAMPLES; i++) samples.push(await initOnce(bundle.file, env));
    return { bundle_bytes: bundle.bytes, init_ms: round(median(samples)), metafile: bundle.metafile };
  } finally {
    await fs.rm(bundle.dir, { recursive: true, force: true });
  }
}

async function buildBundle(settings: LambdaBundleSettings): Promise<BuiltBundle> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keyturn-bundle-'));
  const file = path.join(dir, 'index.js');
  const result = await build({
    ...toEsbuildOptions(settings, ROTATE_SECRET_ENTRY, file),
    absWorkingDir: REPO_ROOT,
    metafile: true,
    logLevel: 'error',
  });
  // The packages loaded on first use, each a bundle of its own beside index.js, as the asset ships them.
  await Promise.all(
    settings.lazyModules.map((lazyModule) =>
      build({
        ...lazyModuleEsbuildOptions(settings, lazyModule, dir),
        absWorkingDir: REPO_ROOT,
        logLevel: 'error',
      }).then(() => {
        writeLazyModulePackageJson(dir, lazyModule);
      }),
    ),
  );
  const { size } = await fs.stat(file);
  return { dir, file, bytes: size, metafile: result.metafile };
}

/** What Lambda puts in the environment of a Node.js function, plus the function's own variables. */
function lambdaEnvironment(
  taskRoot: string,
  options: { withSourceMaps: boolean; nodePath: string | undefined },
): NodeJS.ProcessEnv {
  const functionName = 'keyturn-rotate-secret';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${LAMBDA_NODE_MAJOR}.x`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2025/01/01/[$LATEST]00000000000000000000000000000000',
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_LAMBDA_LOG_LEVEL: 'INFO',
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    // Lambda hands the function temporary credentials; these are placeholders and never used.
    AWS_ACCESS_KEY_ID: 'keyturn-bench',
    AWS_SECRET_ACCESS_KEY: 'keyturn-bench',
    AWS_SESSION_TOKEN: 'keyturn-bench',
    // The SDK warns about Node.js < 22 on stderr at load; Lambda's Node.js runtime never prints that.
    NODE_NO_WARNINGS: '1',
    ...ROTATE_SECRET_ENVIRONMENT,
  };
  if (options.withSourceMaps) env.NODE_OPTIONS = '--enable-source-maps';
  if (options.nodePath) env.NODE_PATH = options.nodePath;
  return env;
}

async function initOnce(bundleFile: string, env: NodeJS.ProcessEnv): Promise<number> {
  const node = await lambdaNode;
  const { stdout } = await execFileAsync(node.file, ['-e', CHILD_SCRIPT, bundleFile], {
    cwd: path.dirname(bundleFile),
    env,
  });
  const line = stdout.split('\n').find((l) => l.startsWith(INIT_MARKER));
  if (!line) throw new Error(`init measurement missing from child output: ${stdout.slice(0, 500)}`);
  return Number(BigInt(line.slice(INIT_MARKER.length))) / 1e6;
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid];
  if (upper === undefined) throw new Error('no samples');
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

function round(value: number, digits = 1): number {
  return Number(value.toFixed(digits));
}

/** Bytes in the output per npm package (or per top-level source folder for our own code), largest first. */
export function bytesByPackage(metafile: Metafile): { name: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

function packageOf(input: string): string {
  const marker = 'node_modules/';
  const at = input.lastIndexOf(marker);
  if (at === -1) return `(own) ${input.split('/').slice(0, 2).join('/')}`;
  const parts = input.slice(at + marker.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? input);
}

async function analyze(): Promise<void> {
  const deployed = await measure();
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
  console.error(`bundle as deployed: ${kb(deployed.bundle_bytes)}, init ${deployed.init_ms} ms`);
  console.error('largest contributors (bytes in the minified output):');
  for (const { name, bytes } of bytesByPackage(deployed.metafile).slice(0, 20)) {
    console.error(`  ${kb(bytes).padStart(10)}  ${name}`);
  }

  const withMaps = await measure({ withSourceMaps: true });
  console.error(`same bundle with NODE_OPTIONS=--enable-source-maps: init ${withMaps.init_ms} ms`);

  const sdkExternal = await measure({
    settings: { ...ROTATE_SECRET_BUNDLE, externalModules: ['@aws-sdk/*', '@smithy/*'] },
  });
  console.error(
    `AWS SDK left to the runtime (@aws-sdk/*, @smithy/* external): ${kb(sdkExternal.bundle_bytes)}, ` +
      `init ${sdkExternal.init_ms} ms (SDK resolved from node_modules, as from /var/runtime/node_modules)`,
  );
}

if (require.main === module) {
  const run = process.argv.includes('--analyze') ? analyze().then(measureBundle) : measureBundle();
  run
    .then((result) => {
      console.log(JSON.stringify(result));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
