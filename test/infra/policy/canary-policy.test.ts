import { canaryVersionId } from '../../../functions/shared/canary';
import { LifecycleTag } from '../../../functions/shared/lifecycle-contract';
import { planDryRun } from '../../../functions/tasks/dry-run-plan';
import { readLifecycleSettings } from '../../../functions/tasks/settings';
import { parsePolicy } from '../../../infra/policy/load-policy';
import type { PolicyEntryInput } from '../../../infra/policy/schema';
import { keyturnTags, lifecycleTags } from '../../../infra/policy/strategy-tags';
import { testRun } from '../../support/rotation-run';
import { policyProblems, policyWith } from '../support/policy';

const owner = { team: 'platform' };

function problems(input: unknown): string[] {
  return policyProblems(() => parsePolicy(input, 'test.policy.ts'));
}

const apiKey: PolicyEntryInput = { id: 'api-key', kind: 'random', secret: { name: 'svc/api-key' }, owner };
const masterRef = { master: { entry: 'orders-db' } };

describe('a canary in the policy', () => {
  it('becomes the canary tags, which the lifecycle reads back as the same settings', () => {
    const [entry] = parsePolicy(
      policyWith([{ ...apiKey, canary: { label: 'EARLY', window: '30m', checkEvery: '5m', maxAuthFailures: 3 } }]),
    ).entries;
    if (!entry) throw new Error('one entry');
    expect(lifecycleTags(entry)).toMatchObject({
      [LifecycleTag.canaryWindowSeconds]: '1800',
      [LifecycleTag.canaryLabel]: 'EARLY',
      [LifecycleTag.canaryCheckEverySeconds]: '300',
      [LifecycleTag.canaryMaxAuthFailures]: '3',
    });
    expect(readLifecycleSettings(keyturnTags(entry)).canary).toEqual({
      label: 'EARLY',
      windowSeconds: 1800,
      checkEverySeconds: 300,
      maxAuthFailures: 3,
    });
  });

  it('defaults the label, the check interval and the auth-failure limit; no canary writes no canary tag', () => {
    const [withCanary, without] = parsePolicy(
      policyWith([
        { ...apiKey, canary: { window: '10m' } },
        { ...apiKey, id: 'other', secret: { name: 'svc/other' } },
      ]),
    ).entries;
    if (!withCanary || !without) throw new Error('two entries');
    expect(readLifecycleSettings(keyturnTags(withCanary)).canary).toEqual({
      label: 'KEYTURN_CANARY',
      windowSeconds: 600,
      checkEverySeconds: 60,
      maxAuthFailures: 0,
    });
    expect(Object.keys(keyturnTags(without)).filter((k) => k.includes('canary'))).toEqual([]);
  });

  it('is refused for single-user and issued-value kinds, naming the entry and why', () => {
    const found = problems(
      policyWith([
        {
          id: 'orders-db',
          kind: 'postgres-single-user',
          secret: { name: 'db/orders' },
          owner,
          canary: { window: '1h' },
        },
        {
          id: 'ci-key',
          kind: 'iam-access-key',
          secret: { name: 'iam/ci' },
          owner,
          options: { userName: 'ci' },
          canary: { window: '1h' },
        },
        {
          id: 'ok',
          kind: 'postgres-alternating-users',
          secret: { name: 'db/ok' },
          owner,
          options: masterRef,
          canary: { window: '1h' },
        },
      ] as PolicyEntryInput[]),
    );
    expect(found).toEqual([
      expect.stringMatching(
        /entries\[0\]\) canary: entry "orders-db" cannot have a canary: postgres-single-user changes the only user's password/,
      ),
      expect.stringMatching(
        /entries\[1\]\) canary: entry "ci-key" cannot have a canary: iam-access-key values are issued by the target/,
      ),
    ]);
  });

  it('refuses an AWS label and a check interval longer than the window', () => {
    const found = problems(
      policyWith([{ ...apiKey, canary: { label: 'AWSCURRENT', window: '5m', checkEvery: '10m' } }]),
    );
    expect(found).toEqual([
      expect.stringMatching(/entries\[0\]\) canary\.label: must not start with "AWS"/),
      expect.stringMatching(/entries\[0\]\) canary\.checkEvery: .*at most the window/),
    ]);
  });
});

describe('canary settings from tags', () => {
  it('refuse a stray canary tag without a window, and a reserved label', () => {
    expect(() => readLifecycleSettings({ [LifecycleTag.canaryLabel]: 'X' })).toThrow(
      /without keyturn:canary-window-seconds/,
    );
    expect(() =>
      readLifecycleSettings({ [LifecycleTag.canaryWindowSeconds]: '60', [LifecycleTag.canaryLabel]: 'AWSPENDING' }),
    ).toThrow(/must not start with "AWS"/);
  });

  it('give a dry run the canary steps before RotateSecret', () => {
    const settings = readLifecycleSettings({ [LifecycleTag.canaryWindowSeconds]: '600' });
    const plan = planDryRun({
      rotation: testRun({ dryRun: true }),
      preflight: {
        secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
        strategy: 'random',
        currentVersionId: canaryVersionId('a'),
        currentCredentialAuthenticates: true,
        settings,
      },
    });
    expect(plan.steps.slice(0, 3)).toEqual([
      expect.stringContaining('a candidate labelled KEYTURN_CANARY'),
      expect.stringContaining('canary hold 600 s (a check every 60 s'),
      expect.stringContaining('rotate: RotateSecret'),
    ]);
  });
});

describe('the canary version id', () => {
  it('is a stable UUID per rotation id, distinct from it', () => {
    const id = canaryVersionId('0b6f4f1e-7d1c-4a5e-9a57-3f0e6f1d2c3b');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(canaryVersionId('0b6f4f1e-7d1c-4a5e-9a57-3f0e6f1d2c3b')).toBe(id);
    expect(canaryVersionId('another')).not.toBe(id);
  });
});
