/** Shared helpers of the infrastructure tests: context, small policies, and readers of synthesized templates. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { REPO_ROOT } from '../../../infra/constructs/bundling-options';
import type { ResolvedEntry, ResolvedPolicy } from '../../../infra/policy/defaults';
import { parsePolicy } from '../../../infra/policy/load-policy';
import type { PolicyEntryInput, PolicyInput } from '../../../infra/policy/schema';

/** The feature flags `cdk synth` runs with, so the tests synthesize what the CLI would. */
export const CDK_CONTEXT = (
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

/** Context that skips asset bundling: for tests about construction, not about the bundle. */
export const NO_BUNDLING = { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] };

/** A fixed day, so cron backstops do not depend on when the tests run. */
export const REFERENCE_DATE = new Date('2026-01-01T00:00:00Z');

export const owner = { team: 'platform' };

/** A valid policy around `entries`, with one alert route and one network. */
export function policyInput(entries: PolicyEntryInput[], extra: Partial<PolicyInput> = {}): PolicyInput {
  return {
    version: 1,
    alerts: { routes: { platform: { emails: ['oncall@example.com'] } }, defaultRoute: 'platform' },
    networks: {
      'db-vpc': { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0', 'subnet-1123456789abcdef0'] },
    },
    entries,
    ...extra,
  };
}

export function policyOf(entries: PolicyEntryInput[], extra: Partial<PolicyInput> = {}): ResolvedPolicy {
  return parsePolicy(policyInput(entries, extra), 'test.policy.ts');
}

/** One resolved entry (its policy holds `others` too, e.g. its master). */
export function entryOf(entry: PolicyEntryInput, ...others: PolicyEntryInput[]): ResolvedEntry {
  const resolved = policyOf([entry, ...others]).entries[0];
  if (!resolved) throw new Error('no entry');
  return resolved;
}

/** A stack in an app with the CLI's feature flags and no bundling. */
export function newStack(id = 'Stack'): Stack {
  return new Stack(new App({ context: NO_BUNDLING }), id);
}

export function logicalIdOf(construct: IConstruct): string {
  const element = construct.node.defaultChild ?? construct;
  if (!CfnElement.isCfnElement(element)) throw new Error(`${construct.node.path} has no CloudFormation element`);
  return Stack.of(construct).getLogicalId(element);
}

export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DependsOn?: string[];
  readonly DeletionPolicy?: string;
  readonly Metadata?: { readonly cdk_nag?: { readonly rules_to_suppress: readonly { readonly id: string }[] } };
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function resourcesOf(template: Template, type?: string): Record<string, CfnResource> {
  const all = (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources;
  if (type === undefined) return all;
  return Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type === type));
}

/** Every statement of every identity policy (inline `AWS::IAM::Policy` and managed) in the template. */
export function identityStatements(template: Template): PolicyStatementJson[] {
  const policies = [
    ...Object.values(resourcesOf(template, 'AWS::IAM::Policy')),
    ...Object.values(resourcesOf(template, 'AWS::IAM::ManagedPolicy')),
  ];
  return policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
}

/** The statements of the inline policies attached to `role`, as sorted actions and rendered resources. */
export function roleStatements(template: Template, role: IConstruct): { actions: string[]; resources: string[] }[] {
  const roleRef = JSON.stringify({ Ref: logicalIdOf(role) });
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleRef))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement)
    .map((s) => ({
      actions: asArray(s.Action).sort(),
      resources: asArray(s.Resource).map(render),
    }));
}

/** Every statement of the identity policies attached to the role `roleLogicalId`, as written. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const ref = JSON.stringify({ Ref: roleLogicalId });
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(ref))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
}

export function allowStatements(template: Template): PolicyStatementJson[] {
  return identityStatements(template).filter((s) => s.Effect === 'Allow');
}

/** Renders `Ref`, `Fn::GetAtt`, `Fn::Sub` and `Fn::Join` the way a reader would: `${Ref}` inside one string. */
export function render(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  const intrinsic = value as {
    Ref?: string;
    'Fn::Join'?: [string, unknown[]];
    'Fn::GetAtt'?: [string, string];
    'Fn::Sub'?: string;
    'Fn::GetStackOutput'?: { StackName: string; OutputName: string };
  };
  if (intrinsic.Ref) return `\${${intrinsic.Ref}}`;
  if (intrinsic['Fn::GetAtt']) return `\${${intrinsic['Fn::GetAtt'].join('.')}}`;
  if (intrinsic['Fn::Sub']) return intrinsic['Fn::Sub'];
  if (intrinsic['Fn::GetStackOutput']) {
    return `\${${intrinsic['Fn::GetStackOutput'].StackName}.${intrinsic['Fn::GetStackOutput'].OutputName}}`;
  }
  if (intrinsic['Fn::Join']) return intrinsic['Fn::Join'][1].map(render).join(intrinsic['Fn::Join'][0]);
  return JSON.stringify(value);
}

/** Actions that change a secret or use a KMS key: none may be allowed on `*`. */
export function isSecretsManagerOrKmsWrite(action: string): boolean {
  if (action.startsWith('kms:')) return !/^kms:(Describe|Get|List)/.test(action);
  if (!action.startsWith('secretsmanager:')) return false;
  return !/^secretsmanager:(Describe|Get|List|BatchGet)/.test(action);
}

/**
 * Actions allowed on a resource that is or ends in a bare `*` (all resources, or every resource of a type),
 * unless a Deny statement with a condition in the same template narrows exactly that action and resource.
 */
export function actionsOnWildcards(template: Template): { action: string; resource: string }[] {
  const statements = identityStatements(template);
  const guarded = new Set(
    statements
      .filter((s) => s.Effect === 'Deny' && s.Condition !== undefined)
      .flatMap((s) => asArray(s.Action).flatMap((a) => asArray(s.Resource).map((r) => `${a} ${render(r)}`))),
  );
  return statements
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) =>
      asArray(s.Action).flatMap((action) =>
        asArray(s.Resource)
          .map(render)
          .filter((resource) => resource === '*' || resource.endsWith(':*') || resource.endsWith('/*'))
          .filter((resource) => !guarded.has(`${action} ${resource}`))
          .map((resource) => ({ action, resource })),
      ),
    );
}

/** Worst-case values of pseudo parameters and references, for policy sizes as IAM counts them. */
const WORST_CASE: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws-us-gov',
  'AWS::Region': 'ap-southeast-5',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com.cn',
};
/** Longer than any ARN a reference resolves to here (roles, keys, queues, functions, state machines). */
const UNKNOWN_REFERENCE = 'x'.repeat(140);

/**
 * `value` with every intrinsic replaced by its worst-case string: pseudo parameters by the longest values,
 * a secret's `Ref` by its full ARN (name and suffix), any other reference by 140 characters.
 */
export function worstCase(value: unknown, resources: Record<string, CfnResource>): unknown {
  if (Array.isArray(value)) return value.map((v) => worstCase(v, resources));
  if (value === null || typeof value !== 'object') return value;
  const intrinsic = value as Record<string, unknown>;
  const ref = intrinsic.Ref;
  if (typeof ref === 'string') {
    const pseudo = WORST_CASE[ref];
    if (pseudo !== undefined) return pseudo;
    const target = resources[ref];
    if (target?.Type === 'AWS::SecretsManager::Secret') {
      const name = String(target.Properties.Name);
      return `arn:${WORST_CASE['AWS::Partition'] ?? ''}:secretsmanager:${WORST_CASE['AWS::Region'] ?? ''}:${WORST_CASE['AWS::AccountId'] ?? ''}:secret:${name}-AbCdEf`;
    }
    return UNKNOWN_REFERENCE;
  }
  if ('Fn::GetAtt' in intrinsic || 'Fn::GetStackOutput' in intrinsic || 'Fn::ImportValue' in intrinsic) {
    return UNKNOWN_REFERENCE;
  }
  if ('Fn::Sub' in intrinsic) {
    return String(intrinsic['Fn::Sub']).replace(
      /\$\{([^}]+)\}/g,
      (_, name: string) => WORST_CASE[name] ?? UNKNOWN_REFERENCE,
    );
  }
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(worstCase(part, resources))).join(separator);
  }
  return Object.fromEntries(Object.entries(intrinsic).map(([k, v]) => [k, worstCase(v, resources)]));
}

/** Size of a policy document as IAM counts it (no white space), with worst-case values. */
export function policySize(document: unknown, resources: Record<string, CfnResource>): number {
  return JSON.stringify(worstCase(document, resources)).length;
}
