import { generatePolicy } from '../../bench/synth';
import { policySecretsOfEvent } from '../../functions/inventory/policy-secrets';
import { policySecretsOf } from '../../infra/policy/inventory-references';
import { type SynthesizedApp, findings, synthesizeApp } from './support/app';
import {
  type CfnResource,
  actionsOnWildcards,
  isSecretsManagerOrKmsWrite,
  policySize,
  render,
  resourcesOf,
} from './support/infra';

/** CloudFormation's and IAM's limits (IAM counts policy characters without white space). */
const MAX_RESOURCES_PER_STACK = 500;
const MAX_INLINE_POLICIES_PER_ROLE = 10_240;
const MAX_MANAGED_POLICY = 6_144;
const MAX_TRUST_POLICY = 2_048;
const MAX_SECRET_RESOURCE_POLICY = 20_480;
const MAX_KEY_POLICY = 32_768;

describe('the keyturn app for a policy of 500 entries', () => {
  let built: SynthesizedApp;

  beforeAll(() => {
    // GIVEN a generated policy of 500 entries: random, single-user and alternating-users secrets, created and
    // adopted by name and ARN, in three networks and none / WHEN the app is synthesized with cdk-nag
    built = synthesizeApp({ policy: generatePolicy(500) });
  });

  test('spreads the entries over secrets stacks that each stay well under 500 resources', () => {
    // THEN
    const counts = [...built.templates].map(([name, t]) => [name, Object.keys(resourcesOf(t)).length] as const);
    for (const [name, count] of counts) {
      expect({ name, count, under: count < MAX_RESOURCES_PER_STACK * 0.6 }).toEqual({ name, count, under: true });
    }
    expect(built.secretsStacks.length).toBeGreaterThanOrEqual(7);
  });

  test('places every entry exactly once, with its schedule and native rotation in the same stack', () => {
    // THEN
    // (lifecycle schedules live in the secrets stacks; the core holds only the freshness check's)
    const placed = built.secretsStacks
      .map((stack) => built.templates.get(stack.stackName))
      .flatMap((t) =>
        Object.values(t ? resourcesOf(t, 'AWS::Scheduler::Schedule') : {}).map((r) => String(r.Properties.Name)),
      );
    expect(placed.sort()).toEqual(built.policy.entries.map((e) => e.id).sort());
    for (const stack of built.secretsStacks) {
      const t = built.templates.get(stack.stackName);
      if (!t) throw new Error(stack.stackName);
      expect(Object.keys(resourcesOf(t, 'AWS::SecretsManager::RotationSchedule'))).toHaveLength(stack.secrets.size);
      expect(Object.keys(resourcesOf(t, 'AWS::Scheduler::Schedule'))).toHaveLength(stack.secrets.size);
    }
  });

  test('keeps every role within IAM size limits: inline policies together, each managed policy, each trust policy', () => {
    // THEN sizes as IAM counts them, with the longest partition, region and account values
    for (const [name, t] of built.templates) {
      const resources = resourcesOf(t);
      const inlineByRole = new Map<string, number>();
      for (const policy of Object.values(resourcesOf(t, 'AWS::IAM::Policy'))) {
        const size = policySize(policy.Properties.PolicyDocument, resources);
        for (const role of policy.Properties.Roles as unknown[]) {
          const key = `${name}/${render(role)}`;
          inlineByRole.set(key, (inlineByRole.get(key) ?? 0) + size);
        }
      }
      for (const [role, size] of inlineByRole) {
        expect({ role, size, within: size <= MAX_INLINE_POLICIES_PER_ROLE }).toEqual({ role, size, within: true });
      }
      for (const [id, policy] of Object.entries(resourcesOf(t, 'AWS::IAM::ManagedPolicy'))) {
        const size = policySize(policy.Properties.PolicyDocument, resources);
        expect({ id, size, within: size <= MAX_MANAGED_POLICY }).toEqual({ id, size, within: true });
      }
      for (const [id, role] of Object.entries(resourcesOf(t, 'AWS::IAM::Role'))) {
        const size = policySize(role.Properties.AssumeRolePolicyDocument, resources);
        expect({ id, size, within: size <= MAX_TRUST_POLICY }).toEqual({ id, size, within: true });
      }
      expectEach(t, 'AWS::SecretsManager::ResourcePolicy', 'ResourcePolicy', MAX_SECRET_RESOURCE_POLICY, resources);
      expectEach(t, 'AWS::KMS::Key', 'KeyPolicy', MAX_KEY_POLICY, resources);
    }
  });

  test('the largest rotation role still leaves room: it uses less than 80 % of the inline limit', () => {
    // THEN
    const largest = Math.max(
      ...built.secretsStacks.map((stack) => {
        const t = built.templates.get(stack.stackName);
        if (!t) throw new Error(stack.stackName);
        const resources = resourcesOf(t);
        const roleId = stack.getLogicalId(stack.rotationFunction.role.node.defaultChild as never);
        return Object.values(resourcesOf(t, 'AWS::IAM::Policy'))
          .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
          .reduce((sum, p) => sum + policySize(p.Properties.PolicyDocument, resources), 0);
      }),
    );
    expect(largest).toBeLessThan(MAX_INLINE_POLICIES_PER_ROLE * 0.8);
  });

  test('allows no Secrets Manager or KMS write on a wildcard resource, except the resource-less GetRandomPassword', () => {
    // THEN
    const onWildcards = [...built.templates].flatMap(([name, t]) =>
      actionsOnWildcards(t)
        .filter(({ action }) => isSecretsManagerOrKmsWrite(action))
        .filter(({ action, resource }) => !(action === 'secretsmanager:GetRandomPassword' && resource === '*'))
        .map(({ action, resource }) => `${name}: ${action} on ${resource}`),
    );
    expect(onWildcards).toEqual([]);
  });

  test("hands every secret entry to the hourly check, in its schedule's input (the environment would not hold them)", () => {
    // THEN the freshness check's schedule, in the core, carries all 500 for the policy comparisons
    const schedule = Object.values(resourcesOf(built.core, 'AWS::Scheduler::Schedule')).find(
      (r) => r.Properties.Name === 'keyturn.freshness-check',
    );
    const input = (schedule?.Properties.Target as { Input?: string } | undefined)?.Input;
    expect(typeof input).toBe('string');
    expect(policySecretsOfEvent(JSON.parse(input as string))).toEqual(policySecretsOf(built.policy));
    expect(built.policy.entries).toHaveLength(500);
  });

  test('passes cdk-nag AWS Solutions checks with zero unacknowledged findings', () => {
    expect(findings(built.report)).toEqual([]);
  });
});

function expectEach(
  template: ReturnType<SynthesizedApp['templates']['get']> & object,
  type: string,
  property: string,
  limit: number,
  resources: Record<string, CfnResource>,
): void {
  for (const [id, resource] of Object.entries(resourcesOf(template, type))) {
    const size = policySize(resource.Properties[property], resources);
    expect({ id, size, within: size <= limit }).toEqual({ id, size, within: true });
  }
}
