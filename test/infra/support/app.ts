/** Synthesizes the whole keyturn app and reads what a reviewer of `cdk.out` would. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type KeyturnApp, type KeyturnAppOptions, createKeyturnApp } from '../../../infra/keyturn-app';
import { logicalIdOf, NO_BUNDLING, REFERENCE_DATE } from './infra';

export interface ValidationReport {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly violations: readonly { readonly ruleName: string; readonly violatingConstructs: unknown[] }[];
  }[];
}

export interface SynthesizedApp extends KeyturnApp {
  readonly templates: ReadonlyMap<string, Template>;
  readonly report: ValidationReport;
  /** Every stack: the core first. */
  readonly stacks: readonly Stack[];
  /** The core stack's template (`templates.get(built.stack.stackName)`). */
  readonly core: Template;
}

export interface SynthesizeOptions extends KeyturnAppOptions {
  /**
   * Run CDK's built-in CloudFormation template validation too (its findings join the report). Off in tests
   * by default (test/support/env.ts: it costs seconds per file).
   * @default false
   */
  readonly cloudFormationValidation?: boolean;
}

/** Builds and synthesizes the app (no bundling, cdk-nag on), and reads its templates and validation report. */
export function synthesizeApp(options: SynthesizeOptions = {}): SynthesizedApp {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-app-'));
  const { cloudFormationValidation = false, ...appOptions } = options;
  const built = createKeyturnApp({
    scheduleReferenceDate: REFERENCE_DATE,
    ...appOptions,
    appProps: { context: NO_BUNDLING, outdir, ...appOptions.appProps },
  });
  const assembly = withCloudFormationValidation(cloudFormationValidation, () => built.app.synth());
  const report = JSON.parse(
    fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as ValidationReport;
  const stacks = [built.stack, ...built.secretsStacks];
  // From the cloud assembly already written: Template.fromStack would synthesize again.
  const templates = new Map(
    stacks.map((stack) => [
      stack.stackName,
      Template.fromJSON(assembly.getStackByName(stack.stackName).template as Record<string, unknown>),
    ]),
  );
  const core = templates.get(built.stack.stackName);
  if (!core) throw new Error(`no template for the core stack ${built.stack.stackName}`);
  return { ...built, templates, report, stacks, core };
}

/** The logical id of the KMS key the policy's `keys` entry `entryId` created or adopted, in the core stack. */
export function policyKeyLogicalId(built: KeyturnApp, entryId: string): string {
  const key = built.stack.kmsKeys?.keys.find((k) => k.entry.id === entryId)?.key;
  if (!key) throw new Error(`no key ${entryId} in the core stack`);
  return logicalIdOf(key);
}

/** Findings of every validation plugin, as `plugin: rule`, errors and warnings alike. */
export function findings(report: ValidationReport): string[] {
  return report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName}: ${v.ruleName}`));
}

/** Runs `synth` with CDK's built-in template validation on or off (CDK reads CDK_VALIDATION at synthesis). */
function withCloudFormationValidation<T>(on: boolean, synth: () => T): T {
  const saved = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = on ? 'true' : 'false';
  try {
    return synth();
  } finally {
    if (saved === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = saved;
  }
}
