/**
 * How long `cdk synth` takes: the example policy, and a generated policy of 500 entries.
 *
 *   npx tsx bench/synth.ts        prints {"synth_example_s":…,"synth_500_s":…}
 *
 * Measured as a user's `cdk synth` spends it, minus the CLI's own start-up and its reading of the
 * assembly: the wall time of the app process the CLI starts (`tsx infra/app.ts`, from cdk.json), given the
 * context and output directory the CLI gives it (CDK_CONTEXT_JSON with cdk.json's context and the `policy`
 * file, CDK_OUTDIR a fresh directory). That is loading the modules, building the app from the policy file,
 * cdk-nag's AWS Solutions checks, CDK's template validation, bundling, and writing the cloud assembly.
 *
 * Bundling: every secrets stack has a rotation function with the same entry and bundling options, so CDK's
 * asset cache builds the bundle once per synthesis (one esbuild run, about 0.2 s), however many stacks there
 * are; each run uses a fresh output directory, so each figure includes that one bundle, as the user's first
 * `cdk synth` after a change does. Each figure is the median of 3 runs after a warm-up run (which fills the
 * disk cache and tsx's compile cache, as any second synth on a machine finds them).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { ResolvedPolicy } from '../infra/policy/defaults';
import { parsePolicy } from '../infra/policy/load-policy';
import type { PolicyEntryInput, PolicyInput } from '../infra/policy/schema';

const execFileAsync = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, '..');
const RUNS = 3;

/** The context `cdk synth` passes the app: cdk.json's. */
function cdkContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

const NETWORKS = ['orders-vpc', 'billing-vpc', 'analytics-vpc'] as const;
const TEAMS = ['payments', 'platform', 'data', 'growth', 'identity'] as const;
const SCHEDULES = [
  undefined,
  { expression: 'rate(30 days)', window: '2h' },
  { expression: 'rate(7 days)', window: '4h' },
  { expression: 'cron(0 3 ? * MON *)', window: '3h' },
  { expression: 'rate(12 hours)', window: '1h' },
] as const;

/**
 * A policy of `count` entries, a mix of what real inventories hold: random API keys (plain and JSON),
 * PostgreSQL single-user and alternating-users secrets in three networks and outside any; created by
 * keyturn and adopted by name or ARN; with owners, consumers, cron and rate schedules.
 */
export function generatePolicyInput(count: number): PolicyInput {
  const entries: PolicyEntryInput[] = [];
  const masters: string[] = [];
  for (let i = 0; i < count; i++) {
    const team = TEAMS[i % TEAMS.length] ?? 'platform';
    const id = `svc-${String(i).padStart(3, '0')}`;
    const owner = {
      team,
      ...(i % 3 === 0 ? { roleArn: `arn:aws:iam::111122223333:role/${team}-secrets-admin` } : {}),
    };
    const consumers = i % 4 === 0 ? [{ name: `${id}-app`, roleArn: `arn:aws:iam::111122223333:role/${id}-app` }] : [];
    const schedule = SCHEDULES[i % SCHEDULES.length];
    const common = { id, owner, consumers, ...(schedule ? { schedule: { ...schedule } } : {}) };
    const network = NETWORKS[i % (NETWORKS.length + 1)];
    const kind = i % 10;
    if (kind < 4) {
      entries.push({
        ...common,
        kind: 'random',
        secret: { name: `${team}/${id}/api-key`, create: true },
        options: kind === 3 ? { fields: ['clientSecret', 'signingKey'] } : { length: 48 },
      });
    } else if (kind < 6 || masters.length === 0) {
      const adoptedByArn = kind === 5;
      entries.push({
        ...common,
        kind: 'postgres-single-user',
        secret: adoptedByArn
          ? {
              arn: `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${team}/${id}/master-AbC${String(i % 1000).padStart(3, '0')}`,
            }
          : { name: `${team}/${id}/db/master` },
        options: network ? { network } : {},
      });
      if (network) masters.push(id);
    } else {
      const created = kind === 9;
      const master = masters[masters.length - 1] ?? 'svc-004';
      entries.push({
        ...common,
        kind: 'postgres-alternating-users',
        secret: created ? { name: `${team}/${id}/db/app`, create: true } : { name: `${team}/${id}/db/app` },
        options: {
          master: { entry: master },
          ...(network ? { network } : {}),
          ...(created
            ? {
                connection: {
                  host: `${id}.cluster.example.internal`,
                  username: `${id.replace('-', '_')}_app`,
                  ssl: true,
                },
              }
            : {}),
        },
      });
    }
  }
  return {
    version: 1,
    alerts: { routes: { platform: { emails: ['oncall@example.com'] }, data: {} }, defaultRoute: 'platform' },
    networks: Object.fromEntries(
      NETWORKS.map((name, n) => [
        name,
        {
          vpcId: `vpc-0a1b2c3d4e5f6071${n}`,
          subnetIds: [`subnet-0a1b2c3d4e5f6071${n}`, `subnet-1a1b2c3d4e5f6071${n}`],
        },
      ]),
    ),
    entries,
  };
}

/** {@link generatePolicyInput}, validated and with defaults applied. */
export function generatePolicy(count: number): ResolvedPolicy {
  return parsePolicy(generatePolicyInput(count), `generated-${count}`);
}

/** Runs the app as the CDK CLI does, for `policyFile`, into a fresh directory; seconds of wall time. */
async function synthOnce(policyFile: string): Promise<number> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-synth-'));
  try {
    const start = performance.now();
    await execFileAsync(
      path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(REPO_ROOT, 'infra', 'app.ts')],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({ ...cdkContext(), policy: policyFile }),
        },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const seconds = (performance.now() - start) / 1000;
    if (!fs.existsSync(path.join(outdir, 'manifest.json'))) throw new Error(`no cloud assembly in ${outdir}`);
    return seconds;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

async function medianOf(policyFile: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await synthOnce(policyFile));
  const sorted = runs.sort((a, b) => a - b);
  return Number((sorted[Math.floor(sorted.length / 2)] ?? NaN).toFixed(2));
}

/** Median synthesis time of the example policy and of a generated 500-entry policy. */
export async function measureSynth(): Promise<{ synth_example_s: number; synth_500_s: number }> {
  const example = path.join(REPO_ROOT, 'infra', 'policy', 'example.policy.ts');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-policy-'));
  try {
    const large = path.join(dir, 'generated-500.policy.ts');
    fs.writeFileSync(large, `export default ${JSON.stringify(generatePolicyInput(500), null, 2)};\n`);
    await synthOnce(example); // warm-up
    return { synth_example_s: await medianOf(example), synth_500_s: await medianOf(large) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  measureSynth()
    .then((result) => {
      console.log(JSON.stringify(result));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
