/** Synthesizes the whole keyturn app and reads what a reviewer of `cdk.out` would. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type KeyturnApp, type KeyturnAppOptions, createKeyturnApp } from '../../../infra/keyturn-app';
import { NO_BUNDLING, REFERENCE_DATE } from './infra';

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
}

/** Builds and synthesizes the app (no bundling, cdk-nag on), and reads its templates and validation report. */
export function synthesizeApp(options: KeyturnAppOptions = {}): SynthesizedApp {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-app-'));
  const built = createKeyturnApp({
    scheduleReferenceDate: REFERENCE_DATE,
    ...options,
    appProps: { context: NO_BUNDLING, outdir, ...options.appProps },
  });
  const assembly = built.app.synth();
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
  return { ...built, templates, report, stacks };
}

/** Findings of every validation plugin, as `plugin: rule`, errors and warnings alike. */
export function findings(report: ValidationReport): string[] {
  return report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName}: ${v.ruleName}`));
}
