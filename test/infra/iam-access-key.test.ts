import { IamTag, iamOptionsFromTags } from '../../functions/strategies/iam/options';
import { IAM_USER_KEY_ACTIONS } from '../../infra/constructs/rotation-function';
import { parsePolicy } from '../../infra/policy/load-policy';
import { iamArnCost, planSecretsStacks, secretArnCost } from '../../infra/stacks/layout';
import type { PolicyEntryInput } from '../../infra/policy/schema';
import { keyturnTags } from '../../infra/policy/strategy-tags';
import { findings, synthesizeApp } from './support/app';
import {
  actionsOnWildcards,
  allowStatements,
  asArray,
  entryOf,
  owner,
  policyInput,
  policyOf,
  policySize,
  render,
  resourcesOf,
} from './support/infra';
import { policyProblems } from './support/policy';

const CROSS_ACCOUNT_ROLE = 'arn:aws:iam::210987654321:role/keyturn-key-rotation';

const deployKey: PolicyEntryInput = {
  id: 'ci-deploy-key',
  kind: 'iam-access-key',
  secret: { name: 'ci/deploy-key' },
  owner,
  options: { userName: 'ci-deploy', path: '/automation/' },
};
const partnerKey: PolicyEntryInput = {
  id: 'partner-upload-key',
  kind: 'iam-access-key',
  secret: { name: 'partner/upload-key' },
  owner,
  options: {
    userName: 'partner-upload',
    assumeRoleArn: CROSS_ACCOUNT_ROLE,
    quarantine: '3d',
    allowReplacingUnknownKey: true,
    cloudTrailRegions: ['us-east-1', 'eu-west-1'],
  },
};

function problems(entry: PolicyEntryInput): string[] {
  return policyProblems(() => parsePolicy(policyInput([entry]), 'test.policy.ts'));
}

describe('policy: the iam-access-key kind', () => {
  it("takes the kind's defaults: every 90 days, a day of grace, waiting for the old key to go idle", () => {
    const entry = entryOf(deployKey);
    expect(entry.schedule).toEqual({ expression: 'rate(90 days)', window: '4h' });
    expect(entry.graceSeconds).toBe(86_400);
    expect(entry.revocation).toEqual({
      waitForIdle: true,
      maxWaitSeconds: 86_400,
      whenStillInUse: 'alert',
      terminateSessions: false,
    });
  });

  it('writes its options into the tags the rotation function reads back', () => {
    const tags = keyturnTags(entryOf(partnerKey));
    expect(tags).toMatchObject({
      'keyturn:strategy': 'iam-access-key',
      [IamTag.userName]: 'partner-upload',
      [IamTag.roleArn]: CROSS_ACCOUNT_ROLE,
      [IamTag.quarantineSeconds]: '259200',
      [IamTag.allowReplacingUnknownKey]: 'true',
      [IamTag.cloudTrailRegions]: 'us-east-1 eu-west-1',
    });
    expect(iamOptionsFromTags(tags)).toEqual({
      userName: 'partner-upload',
      path: '/',
      roleArn: CROSS_ACCOUNT_ROLE,
      quarantineMs: 259_200_000,
      allowReplacingUnknownKey: true,
      cloudTrailRegions: ['us-east-1', 'eu-west-1'],
    });
    // No lookups at all: "none"; not set: the function's own region (no tag).
    const off = keyturnTags(entryOf({ ...deployKey, options: { userName: 'ci', cloudTrailRegions: [] } }));
    expect(off[IamTag.cloudTrailRegions]).toBe('none');
    expect(iamOptionsFromTags(off).cloudTrailRegions).toEqual([]);
    expect(keyturnTags(entryOf(deployKey))[IamTag.cloudTrailRegions]).toBeUndefined();
    expect(iamOptionsFromTags(keyturnTags(entryOf(deployKey)))).toMatchObject({
      userName: 'ci-deploy',
      path: '/automation/',
    });
  });

  it.each<[string, Partial<PolicyEntryInput> & Record<string, unknown>, RegExp]>([
    ['a user name with a comma', { options: { userName: 'ci,deploy' } }, /options\.userName.*no comma/],
    ['no user name', { options: {} }, /options\.userName/],
    ['a path without slashes', { options: { userName: 'ci', path: 'automation' } }, /options\.path.*IAM path/],
    [
      'a role that is not a role ARN',
      { options: { userName: 'ci', assumeRoleArn: 'keyturn' } },
      /options\.assumeRoleArn.*IAM role ARN/,
    ],
    ['a secret keyturn would create', { secret: { name: 'ci/key', create: true } }, /secret\.create.*must be adopted/],
    [
      'a quarantine as long as the schedule',
      { options: { userName: 'ci', quarantine: '30d' }, schedule: { expression: 'rate(30 days)' } },
      /options\.quarantine.*not shorter than the rotation interval \(rate\(30 days\)\)/,
    ],
    [
      'a CloudTrail region that is not a region',
      { options: { userName: 'ci', cloudTrailRegions: ['Europe'] } },
      /options\.cloudTrailRegions\.0.*AWS region name/,
    ],
    ['an option of another kind', { options: { userName: 'ci', password: { length: 20 } } }, /options.*password/],
  ])('refuses %s, naming the field', (_what, change, message) => {
    const found = problems({ ...deployKey, ...change } as PolicyEntryInput);
    expect(found.join('\n')).toMatch(message);
  });
});

describe("layout: IAM users count against the rotation role's policy size", () => {
  it("adds each user's ARN (or assumed role) to the characters a secrets stack may hold", () => {
    const policy = policyOf([deployKey, partnerKey]);
    const [deploy, partner] = policy.entries;
    if (!deploy || !partner) throw new Error('no entries');
    expect(iamArnCost(deploy)).toBe('"arn:aws-us-gov:iam::123456789012:user/automation/ci-deploy",'.length);
    expect(iamArnCost(partner)).toBe(CROSS_ACCOUNT_ROLE.length + 3);
    const [plan] = planSecretsStacks(policy);
    expect(plan?.policyChars).toBe(
      secretArnCost(deploy) + iamArnCost(deploy) + secretArnCost(partner) + iamArnCost(partner),
    );
  });

  it("120 IAM users with long names: every rotation role stays within IAM's 10,240 characters", () => {
    const entries = Array.from({ length: 120 }, (_, i): PolicyEntryInput => ({
      id: `key-${i}`,
      kind: 'iam-access-key',
      secret: { name: `service-accounts/a-rather-long-secret-name-for-an-access-key/${i}` },
      owner,
      options: { userName: `a-rather-long-iam-user-name-for-a-service-${i}`, path: '/some/deep/path/for/users/' },
    }));
    const built = synthesizeApp({ policy: policyOf(entries) });
    expect(built.secretsStacks.length).toBeGreaterThan(1);
    for (const template of built.templates.values()) {
      const resources = resourcesOf(template);
      const byRole = new Map<string, number>();
      for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
        for (const role of policy.Properties.Roles as unknown[]) {
          const key = render(role);
          byRole.set(key, (byRole.get(key) ?? 0) + policySize(policy.Properties.PolicyDocument, resources));
        }
      }
      for (const [role, size] of byRole) {
        expect({ role, size, within: size <= 10_240 }).toEqual({ role, size, within: true });
      }
    }
  });
});

describe('the app with iam-access-key entries', () => {
  const built = synthesizeApp({ policy: policyOf([deployKey, partnerKey]) });
  const template = built.templates.get(built.secretsStacks[0]?.stackName ?? '');
  if (!template) throw new Error('no secrets stack');
  const statements = allowStatements(template).map((s) => ({
    actions: asArray(s.Action).sort(),
    resources: asArray(s.Resource).map(render),
  }));

  it('is cdk-nag clean, with no action on a wildcard resource beyond the acknowledged ones', () => {
    expect(findings(built.report)).toEqual([]);
    expect(actionsOnWildcards(template).filter((w) => /^(iam|sts):/.test(w.action))).toEqual([]);
  });

  it("lets the rotation function manage exactly the named user's keys, and assume exactly the named role", () => {
    const iamStatements = statements.filter((s) => s.actions.some((a) => a.startsWith('iam:')));
    expect(iamStatements).toEqual([
      {
        actions: [...IAM_USER_KEY_ACTIONS].sort(),
        resources: ['arn:${AWS::Partition}:iam::${AWS::AccountId}:user/automation/ci-deploy'],
      },
    ]);
    const assume = statements.filter((s) => s.actions.some((a) => a.startsWith('sts:')));
    expect(assume).toEqual([{ actions: ['sts:AssumeRole'], resources: [CROSS_ACCOUNT_ROLE] }]);
  });

  it('lets it read CloudTrail event history (an action without resources), in a policy of its own, acknowledged', () => {
    const lookups = statements.filter((s) => s.actions.includes('cloudtrail:LookupEvents'));
    expect(lookups).toEqual([{ actions: ['cloudtrail:LookupEvents'], resources: ['*'] }]);
    const quiet = synthesizeApp({
      policy: policyOf([{ ...deployKey, options: { userName: 'ci-deploy', cloudTrailRegions: [] } }, partnerKey]),
    });
    const quietTemplate = quiet.templates.get(quiet.secretsStacks[0]?.stackName ?? '');
    // Off for the one local user, and a cross-account user's lookups go through its role: no grant at all.
    expect(JSON.stringify(quietTemplate?.toJSON())).not.toContain('cloudtrail:LookupEvents');
    expect(findings(quiet.report)).toEqual([]);
  });

  it('lets it set and remove the quarantine marker tag, and tells it its own timeout', () => {
    const tagging = allowStatements(template).find((s) => asArray(s.Action).includes('secretsmanager:TagResource'));
    expect(JSON.stringify(tagging?.Condition)).toContain(IamTag.deactivated);
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((r) =>
      JSON.stringify(r).includes('KEYTURN_FUNCTION_TIMEOUT_SECONDS'),
    ) as { Properties: { Timeout: number; Environment: { Variables: Record<string, string> } } } | undefined;
    expect(fn?.Properties.Environment.Variables.KEYTURN_FUNCTION_TIMEOUT_SECONDS).toBe(String(fn?.Properties.Timeout));
  });
});
