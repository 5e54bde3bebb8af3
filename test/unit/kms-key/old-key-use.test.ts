import { isConsumerRefusal, judgeOldKeyUse } from '../../../functions/kms-key/old-key-use';

const switchedAt = new Date('2026-12-07T10:00:00.700Z');
const now = new Date('2026-12-07T10:30:00Z');

describe('is the replaced key still in use', () => {
  it('a use after the switch is in use, named with its operation and CloudTrail event', () => {
    const use = { at: new Date('2026-12-07T10:10:00Z'), operation: 'Decrypt', cloudTrailEventId: 'e-1' };
    expect(judgeOldKeyUse(use, switchedAt, now)).toEqual({
      inUse: true,
      evidence: 'last used: Decrypt at 2026-12-07T10:10:00.000Z (CloudTrail event e-1)',
    });
  });

  it('KMS dates uses to the second: one in the second of the switch counts as in use', () => {
    expect(judgeOldKeyUse({ at: new Date('2026-12-07T10:00:00Z') }, switchedAt, now).inUse).toBe(true);
    expect(judgeOldKeyUse({ at: new Date('2026-12-07T09:59:59Z') }, switchedAt, now).inUse).toBe(false);
  });

  it('a use more than an hour ago is idle, even after the switch: a consumer that moved on goes idle', () => {
    const later = new Date('2026-12-07T12:00:00Z');
    expect(judgeOldKeyUse({ at: new Date('2026-12-07T10:30:00Z') }, switchedAt, later)).toMatchObject({ inUse: false });
    expect(judgeOldKeyUse({ at: new Date('2026-12-07T11:30:00Z') }, switchedAt, later)).toMatchObject({ inUse: true });
  });

  it('never used is idle; tracking that began after the switch, or no answer, is unknown', () => {
    expect(judgeOldKeyUse({}, switchedAt, now)).toMatchObject({ inUse: false });
    expect(judgeOldKeyUse({ trackingSince: new Date('2026-12-07T10:05:00Z') }, switchedAt, now)).toMatchObject({
      inUse: 'unknown',
    });
    expect(judgeOldKeyUse(undefined, switchedAt, now)).toMatchObject({ inUse: 'unknown' });
  });
});

describe('which refused calls show a consumer of a disabled key', () => {
  it("a cryptographic use refused for the key's state; not a management call that failed", () => {
    expect(isConsumerRefusal('Decrypt', 'DisabledException')).toBe(true);
    expect(isConsumerRefusal('GenerateMac', 'KMSInvalidStateException')).toBe(true);
    expect(isConsumerRefusal('TagResource', 'KMSInternalException')).toBe(false);
    expect(isConsumerRefusal('DisableKey', 'DisabledException')).toBe(false);
    expect(isConsumerRefusal('Decrypt', 'AccessDeniedException')).toBe(false);
  });
});
