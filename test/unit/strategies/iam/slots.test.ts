import type { AccessKeyInfo } from '../../../../functions/strategies/iam/iam-api';
import { planKeySlot, type KeyHolder, type SlotFacts } from '../../../../functions/strategies/iam/slots';

const NOW = new Date('2026-12-07T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const CURRENT = 'AKIACURRENT000000001';
const OTHER = 'AKIAOTHER00000000002';

function key(accessKeyId: string, status: AccessKeyInfo['status'], createdAt: Date = at(-30 * DAY)): AccessKeyInfo {
  return { accessKeyId, status, createdAt };
}

/** Versions holding a key, each with its labels; version ids v1, v2, ... */
const held = (...stages: string[][]): KeyHolder[] => stages.map((s, i) => ({ versionId: `v${i + 1}`, stages: s }));

function facts(overrides: Partial<SlotFacts> = {}): SlotFacts {
  return {
    userName: 'app',
    keys: [key(CURRENT, 'Active')],
    currentKeyId: CURRENT,
    holders: new Map(),
    rotationStartedAt: at(-10_000),
    quarantineMs: 7 * DAY,
    allowReplacingUnknownKey: false,
    attemptLifetimeMs: 45_000,
    now: NOW,
    ...overrides,
  };
}

function refusal(f: SlotFacts): Error {
  try {
    planKeySlot(f);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

describe('IAM key slots: what createSecret does before it creates a key', () => {
  it('creates at once when the current key is the only one', () => {
    expect(planKeySlot(facts())).toEqual({ kind: 'free' });
  });

  it('refuses when the current key is gone or inactive (clients are failing already)', () => {
    expect(refusal(facts({ keys: [key(OTHER, 'Active')] })).name).toBe('CurrentKeyNotFoundError');
    expect(refusal(facts({ keys: [key(CURRENT, 'Inactive')] })).name).toBe('CurrentKeyInactiveError');
  });

  describe('an inactive other key', () => {
    const inactive = (holders: string[][] = [], createdAt?: Date) =>
      facts({
        keys: [key(CURRENT, 'Active'), key(OTHER, 'Inactive', createdAt)],
        holders: new Map([[OTHER, held(...holders)]]),
      });

    it('is deleted when no labelled version holds it, even if an old unlabelled one does', () => {
      expect(planKeySlot(inactive())).toMatchObject({ kind: 'delete', accessKeyId: OTHER });
      expect(planKeySlot(inactive([[]]))).toMatchObject({ kind: 'delete', accessKeyId: OTHER });
    });

    it('held by AWSPREVIOUS, deactivated by keyturn: kept until its quarantine is over, then deleted', () => {
      const deactivated = (daysAgo: number, lastUsedAt?: Date) => ({
        ...inactive([['AWSPREVIOUS']]),
        marker: { accessKeyId: OTHER, since: at(-daysAgo * DAY) },
        ...(lastUsedAt ? { otherLastUse: { lastUsedAt } } : {}),
      });
      const early = refusal(deactivated(3));
      expect(early.name).toBe('KeyInQuarantineError');
      expect(early.message).toContain(at(4 * DAY).toISOString());
      expect(planKeySlot(deactivated(7))).toMatchObject({ kind: 'delete', accessKeyId: OTHER });
      // Used just before it was deactivated (within IAM's hour): still unused since.
      expect(planKeySlot(deactivated(8, at(-8 * DAY + HOUR / 2)))).toMatchObject({ kind: 'delete' });
      // Used well after: someone reactivated it in between.
      expect(refusal(deactivated(8, at(-2 * DAY))).message).toMatch(/reactivated it/);
    });

    it('a marker naming another key does not date this one: its last use does', () => {
      const f = {
        ...inactive([['AWSPREVIOUS']]),
        marker: { accessKeyId: 'AKIASOMEOTHERKEY0003', since: at(-30 * DAY) },
      };
      expect(refusal({ ...f, otherLastUse: { lastUsedAt: at(-2 * DAY) } }).name).toBe('KeyInQuarantineError');
      expect(planKeySlot({ ...f, otherLastUse: { lastUsedAt: at(-9 * DAY) } })).toMatchObject({ kind: 'delete' });
    });
  });

  describe('an active other key', () => {
    it('held by a version of the secret: two active keys, refused', () => {
      const f = facts({
        keys: [key(CURRENT, 'Active'), key(OTHER, 'Active')],
        holders: new Map([[OTHER, held(['AWSPREVIOUS'])]]),
      });
      expect(refusal(f).name).toBe('TwoActiveKeysError');
      expect(refusal({ ...f, holders: new Map([[OTHER, held([])]]) }).name).toBe('TwoActiveKeysError');
    });

    it('held by no version: refused unless the entry allows replacing it', () => {
      const f = facts({ keys: [key(CURRENT, 'Active'), key(OTHER, 'Active', at(-DAY))] });
      const error = refusal(f);
      expect(error.name).toBe('UnknownActiveKeyError');
      expect(error.message).toContain(OTHER);
      expect(planKeySlot({ ...f, allowReplacingUnknownKey: true })).toMatchObject({
        kind: 'delete',
        accessKeyId: OTHER,
      });
    });

    describe('made after this rotation began and never used: an interrupted attempt of this rotation', () => {
      const orphan = (createdAgoMs: number, extra: Partial<SlotFacts> = {}) =>
        facts({ keys: [key(CURRENT, 'Active'), key(OTHER, 'Active', at(-createdAgoMs))], ...extra });

      it('is deleted once the attempt that made it cannot be alive any more', () => {
        expect(planKeySlot(orphan(60_000, { rotationStartedAt: at(-61_000) }))).toMatchObject({
          kind: 'delete',
          accessKeyId: OTHER,
        });
      });

      it('is waited for while that attempt may still be storing it (a twin invocation)', () => {
        expect(planKeySlot(orphan(5_000, { rotationStartedAt: at(-6_000) }))).toEqual({
          kind: 'await-other-attempt',
          accessKeyId: OTHER,
          settledAt: at(-5_000 + 45_000 + 2_000),
        });
      });

      it("is not this rotation's when it was used, made before the rotation, or the start is unknown", () => {
        const started = { rotationStartedAt: at(-61_000) };
        expect(refusal(orphan(60_000, { ...started, otherLastUse: { lastUsedAt: at(-1_000) } })).name).toBe(
          'UnknownActiveKeyError',
        );
        expect(refusal(orphan(60_000, { rotationStartedAt: at(-50_000) })).name).toBe('UnknownActiveKeyError');
        // IAM dates keys to the second: only a key from the rotation's own second may predate its start.
        expect(refusal(orphan(60_000, { rotationStartedAt: at(-58_900) })).name).toBe('UnknownActiveKeyError');
        expect(planKeySlot(orphan(60_000, { rotationStartedAt: at(-59_500) }))).toMatchObject({ kind: 'delete' });
        expect(refusal(orphan(60_000, { rotationStartedAt: undefined })).name).toBe('UnknownActiveKeyError');
      });
    });
  });
});

describe('IAM key slots after an operator gave up a rotation (AWSPENDING cleared, a new rotation started)', () => {
  const GIVEN_UP = 'given-up-rotation';
  const given = { abandoned: [{ versionId: GIVEN_UP, startedAt: at(-10 * 60_000) }] };
  const withOther = (createdAt: Date, extra: Partial<SlotFacts>) =>
    facts({ keys: [key(CURRENT, 'Active'), key(OTHER, 'Active', createdAt)], ...given, ...extra });

  it('deletes the key it stored: the key never became AWSCURRENT, so no client was given it', () => {
    const f = withOther(at(-9 * 60_000), {
      holders: new Map([[OTHER, [{ versionId: GIVEN_UP, stages: [] }]]]),
      otherLastUse: { lastUsedAt: at(-8 * 60_000) }, // its own testSecret used it
    });
    const plan = planKeySlot(f);
    expect(plan).toMatchObject({ kind: 'delete', accessKeyId: OTHER });
    expect(plan.kind === 'delete' && plan.reason).toContain(GIVEN_UP);
  });

  it('deletes a key it made and never stored, once its maker cannot be alive; waits before that', () => {
    expect(planKeySlot(withOther(at(-9 * 60_000), {}))).toMatchObject({ kind: 'delete', accessKeyId: OTHER });
    expect(planKeySlot(withOther(at(-5_000), { rotationStartedAt: at(-1_000) }))).toEqual({
      kind: 'await-other-attempt',
      accessKeyId: OTHER,
      settledAt: at(-5_000 + 45_000 + 2_000),
    });
  });

  it("keeps refusing what it cannot prove is that rotation's", () => {
    // Stored, but also held by another version (labelled, or another rotation's): it may be in use.
    const shared = (other: KeyHolder) =>
      withOther(at(-9 * 60_000), { holders: new Map([[OTHER, [{ versionId: GIVEN_UP, stages: [] }, other]]]) });
    expect(refusal(shared({ versionId: 'v9', stages: ['AWSPREVIOUS'] })).name).toBe('TwoActiveKeysError');
    expect(refusal(shared({ versionId: 'v9', stages: [] })).name).toBe('TwoActiveKeysError');
    // Held by a version that was not given up (an old one, unlabelled).
    expect(refusal(withOther(at(-9 * 60_000), { holders: new Map([[OTHER, held([])]]) })).name).toBe(
      'TwoActiveKeysError',
    );
    // Made before that rotation began: someone else's.
    expect(refusal(withOther(at(-11 * 60_000), {})).name).toBe('UnknownActiveKeyError');
    expect(
      refusal(withOther(at(-11 * 60_000), { holders: new Map([[OTHER, [{ versionId: GIVEN_UP, stages: [] }]]]) })).name,
    ).toBe('TwoActiveKeysError');
    // Never stored but used: not a key only a crashed attempt ever saw.
    expect(refusal(withOther(at(-9 * 60_000), { otherLastUse: { lastUsedAt: at(-HOUR / 2) } })).name).toBe(
      'UnknownActiveKeyError',
    );
    // Nothing given up: the old rules.
    expect(refusal({ ...withOther(at(-9 * 60_000), {}), abandoned: [] }).name).toBe('UnknownActiveKeyError');
  });
});

describe('IAM key slots in an emergency rotation (a suspected leak)', () => {
  it('goes ahead from a current key someone already deactivated', () => {
    expect(planKeySlot(facts({ keys: [key(CURRENT, 'Inactive')], emergency: true }))).toEqual({ kind: 'free' });
  });

  it('deletes a quarantined or still-active older key of the secret at once: no rollback is coming', () => {
    const older = (status: AccessKeyInfo['status']) =>
      facts({
        keys: [key(CURRENT, 'Active'), key(OTHER, status)],
        holders: new Map([[OTHER, held(['AWSPREVIOUS'])]]),
        marker: { accessKeyId: OTHER, since: at(-HOUR) },
        emergency: true,
      });
    expect(planKeySlot(older('Inactive'))).toMatchObject({ kind: 'delete', accessKeyId: OTHER });
    expect(planKeySlot(older('Active'))).toMatchObject({ kind: 'delete', accessKeyId: OTHER });
  });

  it('still refuses an active key no version holds: whose it is takes a human', () => {
    const f = facts({ keys: [key(CURRENT, 'Active'), key(OTHER, 'Active', at(-DAY))], emergency: true });
    expect(refusal(f).name).toBe('UnknownActiveKeyError');
  });
});
