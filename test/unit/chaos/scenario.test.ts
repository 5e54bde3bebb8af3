import { KEY_TARGETS, OPERATOR_FIXES } from '../../chaos/key-scenario';
import { Prng } from '../../chaos/prng';
import {
  describeScenario,
  generateScenario,
  hasServer,
  isIssuedKeyKind,
  SCENARIO_KINDS,
  type Fault,
  type Scenario,
  type ScenarioKind,
} from '../../chaos/scenario';

const many = (seed: string, count: number, kinds: readonly ScenarioKind[] = SCENARIO_KINDS): Scenario[] =>
  Array.from({ length: count }, (_, i) => generateScenario(seed, i + 1, kinds));

describe('chaos scenarios', () => {
  it('come from the seed and the number alone: the same inputs give the same scenario', () => {
    expect(generateScenario('abc', 17)).toEqual(generateScenario('abc', 17));
    expect(generateScenario('abc', 17)).not.toEqual(generateScenario('abc', 18));
    expect(generateScenario('abc', 17)).not.toEqual(generateScenario('abd', 17));
  });

  it('draw from a seeded generator that replays exactly', () => {
    const draws = (random: Prng) => Array.from({ length: 5 }, () => random.int(0, 1_000_000));
    expect(draws(new Prng('s', 1))).toEqual(draws(new Prng('s', 1)));
    expect(draws(new Prng('s', 1))).not.toEqual(draws(new Prng('s', 2)));
    const random = new Prng('range');
    for (let i = 0; i < 1000; i++) expect(random.int(3, 5)).toBeGreaterThanOrEqual(3);
  });

  it('cover every kind and every fault over a run of a thousand', () => {
    const scenarios = many('coverage', 1000);
    expect(new Set(scenarios.map((scenario) => scenario.kind))).toEqual(new Set(SCENARIO_KINDS));
    const types = new Set(scenarios.flatMap((scenario) => scenario.faults.map((fault) => fault.type)));
    expect([...types].sort()).toEqual(
      [
        'canary-fails',
        'crash-after-step',
        'crash-at-call',
        'crash-at-packet',
        'crash-at-request',
        'crash-in-task',
        'db-cut',
        'db-delay',
        'db-outage',
        'operator-restarts',
        'race',
        'replica-failed',
        'sm-fault',
        'step-twice',
        'target-fault',
        'crash-at-kms-call',
        'kms-fault',
        'operator-fix',
      ].sort(),
    );
    const modes = new Set(
      scenarios.flatMap((scenario) =>
        scenario.faults.flatMap((fault) => (fault.type === 'sm-fault' ? [fault.mode] : [])),
      ),
    );
    expect([...modes].sort()).toEqual(['access-denied', 'after-applying', 'before-applying', 'throttling']);
    // Issue 10's lockout sequence: an outage after setSecret, then an operator starting over several times.
    expect(
      scenarios.some((scenario) =>
        scenario.faults.some((fault) => fault.type === 'operator-restarts' && fault.times >= 4),
      ),
    ).toBe(true);
  });

  it('aim IAM/provider faults only at issued-key kinds, and spread them over calls and modes', () => {
    const keyFaults: ReadonlySet<Fault['type']> = new Set(['crash-at-call', 'target-fault']);
    const scenarios = many('issued', 3000);
    for (const scenario of scenarios) {
      if (scenario.kind === 'kms-key' || !isIssuedKeyKind(scenario.target)) {
        expect(scenario.faults.filter((fault) => keyFaults.has(fault.type))).toEqual([]);
      }
    }
    const targetFaults = scenarios.flatMap((scenario) =>
      scenario.faults.flatMap((fault) => (fault.type === 'target-fault' ? [fault] : [])),
    );
    expect(new Set(targetFaults.map((fault) => fault.mode))).toEqual(
      new Set(['server-error', 'server-error-after-applying', 'too-many-requests']),
    );
    expect(new Set(targetFaults.map((fault) => fault.call))).toEqual(new Set(['create', 'list', 'verify', 'revoke']));
    const crashes = scenarios.flatMap((scenario) =>
      scenario.faults.flatMap((fault) => (fault.type === 'crash-at-call' ? [fault.timing] : [])),
    );
    expect(new Set(crashes)).toEqual(new Set(['before-applying', 'after-applying']));
  });

  it('keep to the kinds asked for', () => {
    expect(new Set(many('only', 50, ['redis', 'lifecycle']).map((scenario) => scenario.kind))).toEqual(
      new Set(['redis', 'lifecycle']),
    );
  });

  it('never aim database faults at a secret without a server, and end lifecycle outages by themselves', () => {
    const databaseFaults: ReadonlySet<Fault['type']> = new Set(['crash-at-packet', 'db-outage', 'db-cut', 'db-delay']);
    for (const scenario of many('shapes', 1000)) {
      if (scenario.kind === 'kms-key') continue;
      if (!hasServer(scenario.target)) {
        expect(scenario.faults.filter((fault) => databaseFaults.has(fault.type))).toEqual([]);
      }
      if (scenario.kind === 'lifecycle') {
        expect(scenario.lifecycle).toBeDefined();
        for (const fault of scenario.faults) {
          if (fault.type === 'db-outage') expect(fault.lastsMs).toBeGreaterThan(0);
          expect(fault.type).not.toBe('operator-restarts');
        }
      } else {
        expect(scenario.target).toBe(scenario.kind);
      }
    }
  });

  describe('of KMS keys', () => {
    const keyScenarios = many('keys', 2000, ['kms-key']).flatMap((scenario) =>
      scenario.kind === 'kms-key' ? [scenario] : [],
    );
    const keyFaultTypes: ReadonlySet<Fault['type']> = new Set([
      'crash-after-step',
      'step-twice',
      'crash-at-kms-call',
      'kms-fault',
      'operator-fix',
    ]);

    it('replay from the seed and the number, and cover both keys, every fault, fix and KMS fault mode', () => {
      expect(keyScenarios).toHaveLength(2000);
      expect(generateScenario('keys', 5, ['kms-key'])).toEqual(generateScenario('keys', 5, ['kms-key']));
      expect(new Set(keyScenarios.map((scenario) => scenario.key))).toEqual(new Set(KEY_TARGETS));
      const faults = keyScenarios.flatMap((scenario) => scenario.faults);
      expect(new Set(faults.map((fault) => fault.type))).toEqual(keyFaultTypes);
      expect(new Set(faults.flatMap((fault) => (fault.type === 'operator-fix' ? [fault.fix] : [])))).toEqual(
        new Set(OPERATOR_FIXES),
      );
      expect(new Set(faults.flatMap((fault) => (fault.type === 'kms-fault' ? [fault.mode] : [])))).toEqual(
        new Set(['internal-error', 'throttling', 'after-applying']),
      );
    });

    it("aim only at the kms-key tasks of the key's own method, and keep hand fixes to replaced keys", () => {
      const onDemandTasks = new Set(['begin', 'rotate-on-demand', 'verify-on-demand', 'report']);
      for (const scenario of keyScenarios) {
        expect(scenario.onDemandRotationLimit).toBeGreaterThanOrEqual(4);
        expect(scenario.onDemandRotationLimit).toBeLessThanOrEqual(10);
        for (const fault of scenario.faults) {
          expect(keyFaultTypes.has(fault.type)).toBe(true);
          if (scenario.key === 'symmetric' && 'at' in fault) expect(onDemandTasks.has(fault.at.step)).toBe(true);
          if (scenario.key === 'symmetric') expect(fault.type).not.toBe('operator-fix');
          // A lost answer is planned on a call that changes something.
          if (fault.type === 'kms-fault' && fault.mode === 'after-applying') {
            expect(fault.operation).toMatch(
              /^(RotateKeyOnDemand|CreateKey|TagResource|UpdateAlias|DisableKey|ScheduleKeyDeletion|EnableKey)$/,
            );
          }
        }
      }
    });

    it('describe themselves with their key, limit and faults', () => {
      const scenario = keyScenarios.find((each) => each.key === 'hmac' && each.faults.length > 0);
      expect(scenario).toBeDefined();
      if (!scenario) return;
      expect(describeScenario(scenario)).toMatch(
        new RegExp(`^#${scenario.number} kms-key \\(HMAC key replaced, limit \\d+\\)`),
      );
    });
  });

  it('keep secret faults away from KMS keys and KMS faults away from secrets', () => {
    const kmsFaults: ReadonlySet<Fault['type']> = new Set(['crash-at-kms-call', 'kms-fault', 'operator-fix']);
    for (const scenario of many('apart', 1000)) {
      if (scenario.kind === 'kms-key') continue;
      expect(scenario.faults.filter((fault) => kmsFaults.has(fault.type))).toEqual([]);
    }
  });
});
