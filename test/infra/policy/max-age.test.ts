import { keyEntrySchema, type KeyEntryInput } from '../../../infra/policy/key-schema';
import {
  automaticRotationMaxAgeSeconds,
  keyMaxAgeSeconds,
  OVERDUE_SLACK_SECONDS,
  scheduleMaxAgeSeconds,
} from '../../../infra/policy/max-age';
import { resolveKeys } from '../../../infra/policy/resolve-keys';
import { maxAgeSeconds } from '../../../infra/policy/strategy-tags';

const DAY = 86_400;
const HOUR = 3_600;
const from = new Date('2026-01-01T00:00:00Z');
const owner = { team: 'platform' };

function resolved(entry: Omit<KeyEntryInput, 'kind' | 'id' | 'owner'>) {
  const [key] = resolveKeys([keyEntrySchema.parse({ kind: 'kms-key', id: 'k', owner, ...entry })], 'platform');
  if (!key) throw new Error('no key');
  return key;
}

describe('how old a key may grow (the freshness check bound)', () => {
  it("KMS's automatic rotation: the period, a day (KMS picks the time) and an hour of slack", () => {
    const key = resolved({ key: { create: { alias: 'alias/data' } }, automaticRotation: { periodDays: 180 } });
    expect(keyMaxAgeSeconds(key, from)).toBe(181 * DAY + OVERDUE_SLACK_SECONDS);
    expect(automaticRotationMaxAgeSeconds(2_560)).toBe(2_561 * DAY + HOUR);
  });

  it("keyturn's schedule: the interval, its window and the slack, exactly as a secret's keyturn:max-age-seconds", () => {
    const key = resolved({
      key: { create: { alias: 'alias/mac', keySpec: 'HMAC_256' } },
      schedule: { expression: 'rate(90 days)', window: '4h' },
    });
    expect(keyMaxAgeSeconds(key, from)).toBe(90 * DAY + 4 * HOUR + HOUR);
    expect(scheduleMaxAgeSeconds({ expression: 'rate(90 days)', window: '4h' }, from)).toBe(
      keyMaxAgeSeconds(key, from),
    );
  });

  it('a key without a window uses the key schedules default window (1h)', () => {
    const key = resolved({
      key: { adopt: { arn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' } },
      schedule: { expression: 'cron(0 4 ? * SUN *)' },
    });
    expect(keyMaxAgeSeconds(key, from)).toBe(7 * DAY + HOUR + HOUR);
  });

  it('both: the tighter bound, since the policy asks for both rotations', () => {
    const key = resolved({
      key: { create: { alias: 'alias/data' } },
      automaticRotation: { periodDays: 365 },
      schedule: { expression: 'rate(30 days)', window: '2h' },
    });
    expect(keyMaxAgeSeconds(key, from)).toBe(30 * DAY + 3 * HOUR);
  });

  it('a cron firing less than twice a year (29 February) bounds nothing (no check), as for secrets', () => {
    const key = resolved({
      key: { create: { alias: 'alias/mac', keySpec: 'HMAC_256' } },
      schedule: { expression: 'cron(0 4 29 FEB ? *)' },
    });
    expect(keyMaxAgeSeconds(key, from)).toBeUndefined();
  });

  it("a secret's bound is the same rule (strategy tags)", () => {
    const entry = { schedule: { expression: 'rate(30 days)', window: '2h' } } as Parameters<typeof maxAgeSeconds>[0];
    expect(maxAgeSeconds(entry, from)).toBe(30 * DAY + 3 * HOUR);
  });
});
