import type { PolicyEntryInput } from '../../infra/policy/schema';
import { DEFAULT_MAX_POLICY_CHARS, planSecretsStacks, secretArnCost } from '../../infra/stacks/layout';
import { owner, policyOf } from './support/infra';

function randomEntry(i: number, name = `team/key-${i}`): PolicyEntryInput {
  return { id: `key-${i}`, kind: 'random', secret: { name, create: true }, owner };
}

function dbEntry(i: number, network?: string): PolicyEntryInput {
  return {
    id: `db-${i}`,
    kind: 'postgres-single-user',
    secret: { name: `db/${i}` },
    owner,
    options: network === undefined ? {} : { network },
  };
}

const networks = {
  'db-vpc': { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] },
  'other-vpc': { vpcId: 'vpc-1123456789abcdef0', subnetIds: ['subnet-2123456789abcdef0'] },
};

describe('planSecretsStacks', () => {
  test('puts the entries of one network together, apart from those without one, in policy order', () => {
    // GIVEN entries of two networks and none, interleaved
    const policy = policyOf(
      [randomEntry(1), dbEntry(1, 'db-vpc'), dbEntry(2), dbEntry(3, 'other-vpc'), dbEntry(4, 'db-vpc')],
      { networks },
    );

    // WHEN
    const plan = planSecretsStacks(policy);

    // THEN
    expect(plan.map((p) => ({ id: p.id, network: p.networkId, entries: p.entries.map((e) => e.id) }))).toEqual([
      { id: 'KeyturnSecrets-1', network: undefined, entries: ['key-1', 'db-2'] },
      { id: 'KeyturnSecrets-db-vpc-1', network: 'db-vpc', entries: ['db-1', 'db-4'] },
      { id: 'KeyturnSecrets-other-vpc-1', network: 'other-vpc', entries: ['db-3'] },
    ]);
  });

  test('starts a new stack of the same network when one is full, numbering within the network', () => {
    // GIVEN 7 entries and room for 3 per stack
    const policy = policyOf(
      Array.from({ length: 7 }, (_, i) => dbEntry(i, 'db-vpc')),
      { networks },
    );

    // WHEN
    const plan = planSecretsStacks(policy, { maxEntriesPerStack: 3 });

    // THEN
    expect(plan.map((p) => [p.id, p.entries.length])).toEqual([
      ['KeyturnSecrets-db-vpc-1', 3],
      ['KeyturnSecrets-db-vpc-2', 3],
      ['KeyturnSecrets-db-vpc-3', 1],
    ]);
  });

  test('starts a new stack when the ARNs would not fit the rotation role policy, however few entries', () => {
    // GIVEN secrets with 400-character names: about 475 characters of policy each
    const longName = (i: number) => `team/${String(i).padStart(3, '0')}/${'x'.repeat(391)}`;
    const policy = policyOf(Array.from({ length: 40 }, (_, i) => randomEntry(i, longName(i))));

    // WHEN
    const plan = planSecretsStacks(policy);

    // THEN every stack stays within the budget, and no entry is lost
    const perEntry = secretArnCost(policy.entries[0] ?? (undefined as never));
    expect(perEntry).toBeGreaterThan(470);
    expect(plan.every((p) => p.policyChars <= DEFAULT_MAX_POLICY_CHARS)).toBe(true);
    expect(plan.map((p) => p.entries.length)).toEqual([14, 14, 12]);
    expect(plan.flatMap((p) => p.entries.map((e) => e.id))).toEqual(policy.entries.map((e) => e.id));
  });

  test('counts a master secret once per stack', () => {
    // GIVEN a master and two alternating users of it
    const alternating = (i: number): PolicyEntryInput => ({
      id: `app-${i}`,
      kind: 'postgres-alternating-users',
      secret: { name: `db/app-${i}` },
      owner,
      options: { master: { entry: 'db-0' } },
    });
    const policy = policyOf([dbEntry(0), alternating(1), alternating(2)]);

    // WHEN
    const [plan] = planSecretsStacks(policy);

    // THEN three secrets and the master once more (GetSecretValue on it)
    const [master, app1, app2] = policy.entries;
    if (!master || !app1 || !app2) throw new Error('entries missing');
    expect(plan?.policyChars).toBe(secretArnCost(master) * 2 + secretArnCost(app1) + secretArnCost(app2));
  });

  test('adding an entry at the end moves no other entry', () => {
    // GIVEN a plan of 10 entries, 4 per stack
    const entries = Array.from({ length: 10 }, (_, i) => randomEntry(i));
    const before = planSecretsStacks(policyOf(entries), { maxEntriesPerStack: 4 });

    // WHEN an entry is appended
    const after = planSecretsStacks(policyOf([...entries, randomEntry(10)]), { maxEntriesPerStack: 4 });

    // THEN
    const placement = (plan: typeof before) => new Map(plan.flatMap((p) => p.entries.map((e) => [e.id, p.id])));
    const moved = [...placement(before)].filter(([id, stack]) => placement(after).get(id) !== stack);
    expect(moved).toEqual([]);
  });

  test('rejects a non-positive stack size, showing it', () => {
    expect(() => planSecretsStacks(policyOf([randomEntry(1)]), { maxEntriesPerStack: 0 })).toThrow(/got 0/);
  });
});
