import type { Invariant } from '../../chaos/invariants';
import { checkKeyInvariants, type KeyObservation } from '../../chaos/key-invariants';

/**
 * The kms-key checker on hand-made observations: a clean one passes, and each broken invariant is found. (The
 * observation points themselves, alias lockouts and keys left without keyturn retiring them, arrive as
 * findings: the harness makes them against the local KMS.)
 */

const ALIAS_KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const OLD_KEY = '0b6c0e1a-4f7b-4d3a-9c2e-8a1b2c3d4e5f';
const CANARY = 'q8Zb2vX7m1Lk9Qw3Rt5Yp0Hs4Jd6Fg8=';

function clean(overrides: Partial<KeyObservation> = {}): KeyObservation {
  return {
    number: 3,
    key: 'hmac',
    recovered: true,
    findings: [],
    aliasKeyId: ALIAS_KEY,
    keys: [
      { keyId: OLD_KEY, state: 'PendingDeletion', original: true, keptByOperator: false },
      { keyId: ALIAS_KEY, state: 'Enabled', original: false, keptByOperator: false },
    ],
    executions: 2,
    onDemandRotations: 0,
    limitRefusals: 0,
    onDemandRotationLimit: 10,
    aliasedDeletions: [],
    secretValues: [{ what: "the plaintext of keyturn's canary #1", value: CANARY }],
    outputs: [{ source: 'audit-event', text: '{"detail-type":"KeyRotationCompleted","detail":{"newKeyId":"k"}}' }],
    ...overrides,
  };
}

const invariants = (observation: KeyObservation): Invariant[] =>
  checkKeyInvariants(observation).map((violation) => violation.invariant);

describe('the chaos checker for KMS keys', () => {
  it('finds nothing wrong in a clean observation', () => {
    expect(checkKeyInvariants(clean())).toEqual([]);
  });

  it('passes on what the observation points found (lockouts, lost versions)', () => {
    const findings = [
      { invariant: 'lockout' as const, detail: 'before drain: alias/x points at key k, Disabled' },
      { invariant: 'lost-version' as const, detail: 'at the end: a MAC no longer verifies' },
    ];
    expect(checkKeyInvariants(clean({ findings }))).toEqual(findings);
  });

  it('accepts one spare replacement left enabled and keys an operator kept, not two spares or a key left Disabled', () => {
    const spare = (keyId: string) => ({ keyId, state: 'Enabled', original: false, keptByOperator: false });
    expect(invariants(clean({ keys: [...clean().keys, spare('spare-1')] }))).toEqual([]);
    expect(
      invariants(
        clean({
          keys: [...clean().keys, { keyId: 'kept', state: 'Disabled', original: false, keptByOperator: true }],
        }),
      ),
    ).toEqual([]);
    const two = checkKeyInvariants(clean({ keys: [...clean().keys, spare('spare-1'), spare('spare-2')] }));
    expect(two.map((violation) => violation.invariant)).toEqual(['orphan-key']);
    expect(two[0]?.detail).toMatch(/2 keys of the entry are left Enabled.*spare-1, spare-2/);
    const disabled = clean({
      keys: [
        { keyId: OLD_KEY, state: 'Disabled', original: true, keptByOperator: false },
        { keyId: ALIAS_KEY, state: 'Enabled', original: false, keptByOperator: false },
      ],
    });
    expect(checkKeyInvariants(disabled)[0]?.detail).toMatch(/the original key .* is left Disabled/);
    // Only once a run completed: before that a key may be anywhere in its retirement.
    expect(invariants({ ...disabled, recovered: false })).toEqual([]);
  });

  it('finds a run that spent more than one on-demand rotation, one past the limit, or one KMS refused', () => {
    const symmetric = (overrides: Partial<KeyObservation>) => clean({ key: 'symmetric', ...overrides });
    expect(invariants(symmetric({ executions: 3, onDemandRotations: 3 }))).toEqual([]);
    expect(invariants(symmetric({ executions: 2, onDemandRotations: 3 }))).toEqual(['rotation-limit']);
    expect(invariants(symmetric({ executions: 6, onDemandRotations: 5, onDemandRotationLimit: 4 }))).toEqual([
      'rotation-limit',
    ]);
    const refused = checkKeyInvariants(symmetric({ executions: 6, onDemandRotations: 4, limitRefusals: 1 }));
    expect(refused.map((violation) => violation.invariant)).toEqual(['rotation-limit']);
    expect(refused[0]?.detail).toMatch(/refused 1 RotateKeyOnDemand/);
  });

  it("finds a deletion scheduled for the alias's key", () => {
    expect(checkKeyInvariants(clean({ aliasedDeletions: [ALIAS_KEY] }))).toEqual([
      {
        invariant: 'deleting-aliased-key',
        detail: `the deletion of key ${ALIAS_KEY} was scheduled while the alias pointed at it`,
      },
    ]);
  });

  it("finds a canary's plaintext in an output, naming it without showing it", () => {
    const violations = checkKeyInvariants(
      clean({ outputs: [{ source: 'function-log', text: `{"level":"DEBUG","plaintext":"${CANARY}"}` }] }),
    );
    expect(violations).toEqual([
      { invariant: 'leak', detail: "the plaintext of keyturn's canary #1 appears in function-log" },
    ]);
    expect(JSON.stringify(violations)).not.toContain(CANARY);
  });
});
