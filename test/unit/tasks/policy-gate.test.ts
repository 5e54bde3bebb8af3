import {
  DEFAULT_LIFECYCLE_SETTINGS,
  LifecycleTag,
  type RotationRun,
} from '../../../functions/shared/lifecycle-contract';
import type { SecretDescription } from '../../../functions/shared/secret-store';
import { activeBlackout, parseBlackouts } from '../../../functions/tasks/blackouts';
import { assertRotationAllowed, windowEnd } from '../../../functions/tasks/policy-gate';
import { readLifecycleSettings } from '../../../functions/tasks/settings';
import { testRun } from '../../support/rotation-run';

const secret = (overrides: Partial<SecretDescription> = {}): SecretDescription => ({
  arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf',
  name: 'app',
  rotationEnabled: true,
  versionStages: {},
  tags: {},
  ...overrides,
});

const run = (overrides: Partial<RotationRun> = {}): RotationRun => testRun({ trigger: 'schedule', ...overrides });

const at = (iso: string) => new Date(iso);
const settings = { ...DEFAULT_LIFECYCLE_SETTINGS, minIntervalSeconds: 3600 };

describe('rotation window', () => {
  it('closes Duration after it opens', () => {
    expect(windowEnd(at('2026-11-22T04:00:00Z'), secret({ rotationWindow: '3h' }))).toEqual(at('2026-11-22T07:00:00Z'));
  });
  it('closes after an hour for an hourly rate without a Duration', () => {
    expect(windowEnd(at('2026-11-22T04:00:00Z'), secret({ rotationScheduleExpression: 'rate(6 hours)' }))).toEqual(
      at('2026-11-22T05:00:00Z'),
    );
  });
  it('closes at the end of the UTC day otherwise', () => {
    expect(windowEnd(at('2026-11-22T04:00:00Z'), secret({ rotationScheduleExpression: 'rate(30 days)' }))).toEqual(
      at('2026-11-23T00:00:00Z'),
    );
  });
  it('lets a scheduled run start inside its window and skips one that starts after', () => {
    const description = secret({ rotationWindow: '2h' });
    const scheduled = run({ scheduledTime: '2026-11-22T04:00:00Z' });
    expect(() => {
      assertRotationAllowed(scheduled, description, settings, [], at('2026-11-22T05:59:00Z'));
    }).not.toThrow();
    expect(() => {
      assertRotationAllowed(scheduled, description, settings, [], at('2026-11-22T06:01:00Z'));
    }).toThrow(expect.objectContaining({ name: 'RotationWindowClosedError' }) as Error);
  });
});

describe('blackouts and minimum interval', () => {
  const freeze = parseBlackouts(
    JSON.stringify([{ start: '2026-12-20T00:00:00Z', end: '2027-01-02T00:00:00Z', reason: 'holiday freeze' }]),
    'KEYTURN_BLACKOUTS',
  );

  it('skips inside a blackout, naming its end and reason, and lets an emergency through', () => {
    const inside = at('2026-12-24T12:00:00Z');
    expect(activeBlackout(freeze, inside)?.reason).toBe('holiday freeze');
    expect(() => {
      assertRotationAllowed(run({ trigger: 'on-demand' }), secret(), settings, freeze, inside);
    }).toThrow(/blackout runs until 2027-01-02T00:00:00.000Z \(holiday freeze\)/);
    expect(() => {
      assertRotationAllowed(run({ trigger: 'emergency', emergency: true }), secret(), settings, freeze, inside);
    }).not.toThrow();
  });

  it('skips a rotation sooner than the minimum interval after the last one', () => {
    const description = secret({ lastRotatedAt: at('2026-11-22T03:30:00Z') });
    expect(() => {
      assertRotationAllowed(run({ trigger: 'fleet' }), description, settings, [], at('2026-11-22T04:00:00Z'));
    }).toThrow(expect.objectContaining({ name: 'MinimumIntervalError' }) as Error);
    expect(() => {
      assertRotationAllowed(run({ trigger: 'fleet' }), description, settings, [], at('2026-11-22T04:31:00Z'));
    }).not.toThrow();
  });

  it.each([
    ['not JSON', '{', /is not valid JSON/],
    ['not an array', '{}', /must be a JSON array/],
    ['missing end', '[{"start":"2026-01-01T00:00:00Z"}]', /\[0\] needs ISO 8601 "start" and "end"/],
    ['end before start', '[{"start":"2026-01-02T00:00:00Z","end":"2026-01-01T00:00:00Z"}]', /end is not after start/],
  ])('refuses a blackout list that is %s, naming the variable', (_, json, message) => {
    expect(() => parseBlackouts(json, 'KEYTURN_BLACKOUTS')).toThrow(message);
    expect(() => parseBlackouts(json, 'KEYTURN_BLACKOUTS')).toThrow(/KEYTURN_BLACKOUTS/);
  });
});

describe('lifecycle settings from tags', () => {
  it('reads every tag over the defaults', () => {
    expect(
      readLifecycleSettings({
        [LifecycleTag.graceSeconds]: '600',
        [LifecycleTag.minIntervalSeconds]: '3600',
        [LifecycleTag.drainMaxWaitSeconds]: '0',
        [LifecycleTag.whenStillInUse]: 'revoke',
        [LifecycleTag.terminateSessions]: 'true',
        [LifecycleTag.replicaSyncMaxWaitSeconds]: '120',
      }),
    ).toEqual({
      graceSeconds: 600,
      minIntervalSeconds: 3600,
      revocation: { maxWaitSeconds: 0, whenStillInUse: 'revoke', terminateSessions: true },
      replicaSync: { maxWaitSeconds: 120 },
    });
    expect(readLifecycleSettings({})).toEqual(DEFAULT_LIFECYCLE_SETTINGS);
  });

  it.each([
    [LifecycleTag.graceSeconds, '15m', /whole number of seconds/],
    [LifecycleTag.whenStillInUse, 'ignore', /"alert" or "revoke"/],
    [LifecycleTag.terminateSessions, 'yes', /"true" or "false"/],
    [LifecycleTag.replicaSyncMaxWaitSeconds, '-1', /whole number of seconds/],
  ])('refuses %s = %s, naming the tag', (tag, value, message) => {
    expect(() => readLifecycleSettings({ [tag]: value })).toThrow(message);
    expect(() => readLifecycleSettings({ [tag]: value })).toThrow(new RegExp(tag));
  });
});
