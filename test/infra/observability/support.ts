import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { REPO_ROOT } from '../../../infra/constructs/bundling-options';

/** The feature flags `cdk synth` runs with, so the tests synthesize what the CLI would. */
export const CDK_CONTEXT = (
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';
export const LIFECYCLE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:keyturn-lifecycle`;
export const TASK_FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:keyturn-verify`;

/** A stack named like keyturn's, in an app with the CLI's feature flags, optionally checked by cdk-nag. */
export function newStack(options: { nag?: boolean; outdir?: string } = {}): { app: App; stack: Stack } {
  const app = new App({
    context: CDK_CONTEXT,
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
  });
  const stack = new Stack(app, 'Keyturn');
  if (options.nag) {
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
    );
  }
  return { app, stack };
}

/** An existing lifecycle state machine and task function, as a stack would reference them. */
export function orchestration(stack: Stack): { stateMachine: sfn.IStateMachine; fn: lambda.IFunction } {
  return {
    stateMachine: sfn.StateMachine.fromStateMachineArn(stack, 'Lifecycle', LIFECYCLE_ARN),
    fn: lambda.Function.fromFunctionArn(stack, 'VerifyTask', TASK_FUNCTION_ARN),
  };
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly Metadata?: { readonly cdk_nag?: { readonly rules_to_suppress: readonly { readonly id: string }[] } };
}

/** Every resource of `type`, by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

/** Renders `Ref`, `Fn::GetAtt` and `Fn::Join` the way a reader would: `${Ref}` inside one string. */
export function render(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  const intrinsic = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: [string, string] };
  if (intrinsic.Ref) return `\${${intrinsic.Ref}}`;
  if (intrinsic['Fn::GetAtt']) return `\${${intrinsic['Fn::GetAtt'].join('.')}}`;
  if (intrinsic['Fn::Join']) return intrinsic['Fn::Join'][1].map(render).join(intrinsic['Fn::Join'][0]);
  return JSON.stringify(value);
}

export interface AlarmProperties {
  readonly AlarmName: unknown;
  readonly AlarmDescription: unknown;
  readonly ComparisonOperator: string;
  readonly Threshold: number;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly TreatMissingData: string;
  readonly AlarmActions?: unknown[];
  readonly OKActions?: unknown[];
  readonly MetricName?: string;
  readonly Namespace?: string;
  readonly Statistic?: string;
  readonly ExtendedStatistic?: string;
  readonly Period?: number;
  readonly Dimensions?: { Name: string; Value: unknown }[];
  readonly Metrics?: {
    Id: string;
    Expression?: string;
    ReturnData?: boolean;
    MetricStat?: {
      Metric: { MetricName: string; Namespace: string; Dimensions?: { Name: string; Value: unknown }[] };
      Period: number;
      Stat: string;
    };
  }[];
}

/** The alarms of a template by rendered alarm name (`Keyturn-rotation-failed-random`, ...). */
export function alarmsByName(template: Template): Map<string, AlarmProperties> {
  const alarms = new Map<string, AlarmProperties>();
  for (const resource of Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'))) {
    const properties = resource.Properties as unknown as AlarmProperties;
    alarms.set(render(properties.AlarmName), properties);
  }
  return alarms;
}

/** An alarm by name, or a test failure listing the names there are. */
export function alarmNamed(alarms: Map<string, AlarmProperties>, name: string): AlarmProperties {
  const alarm = alarms.get(name);
  if (!alarm) throw new Error(`no alarm named ${name}; there are: ${[...alarms.keys()].join(', ')}`);
  return alarm;
}

/** Dimensions as a plain object, values rendered. */
export function dimensionsOf(dimensions: { Name: string; Value: unknown }[] | undefined): Record<string, string> {
  return Object.fromEntries((dimensions ?? []).map((d) => [d.Name, render(d.Value)]));
}

export interface DashboardWidget {
  readonly type: string;
  readonly width: number;
  readonly height: number;
  readonly x: number;
  readonly y: number;
  readonly properties: {
    readonly markdown?: string;
    readonly title?: string;
    readonly metrics?: unknown[];
    readonly alarms?: string[];
    readonly view?: string;
    readonly start?: string;
  };
}

/** The dashboard's body, parsed, with intrinsic functions rendered as `${...}` placeholders inside strings. */
export function dashboardBody(template: Template): { widgets: DashboardWidget[] } {
  const dashboards = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Dashboard'));
  if (dashboards.length !== 1) throw new Error(`expected one dashboard, found ${dashboards.length}`);
  const body = dashboards[0]?.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] } | string;
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : render(part))).join('');
  return JSON.parse(text) as { widgets: DashboardWidget[] };
}

export interface ValidationReport {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly violations: readonly { readonly ruleName: string; readonly violatingConstructs: unknown[] }[];
  }[];
}

/** Every finding of every validation plugin, as `plugin: rule`. */
export function validationFindings(assemblyDirectory: string): string[] {
  const report = JSON.parse(
    fs.readFileSync(path.join(assemblyDirectory, 'validation-report.json'), 'utf8'),
  ) as ValidationReport;
  return report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName}: ${v.ruleName}`));
}
