import { assessFreshness, type ManagedSecret } from '../../../functions/freshness-check/freshness';

const now = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400;
const secret = (
  name: string,
  ageDays: number,
  maxAgeDays: number | undefined,
  rotationEnabled = true,
): ManagedSecret => ({
  arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
  name,
  rotationEnabled,
  rotatedAt: new Date(now.getTime() - ageDays * DAY * 1000),
  maxAgeSeconds: maxAgeDays === undefined ? undefined : maxAgeDays * DAY,
});

describe('assessFreshness', () => {
  it('lists secrets older than their policy allows, most overdue first', () => {
    const report = assessFreshness(
      [secret('fresh', 10, 31), secret('late', 40, 31), secret('very-late', 90, 31), secret('edge', 31, 31)],
      now,
    );
    expect(report.managed).toBe(4);
    expect(report.overdue.map((s) => s.name)).toEqual(['very-late', 'late']);
    expect(report.overdue[0]).toMatchObject({ ageSeconds: 90 * DAY, maxAgeSeconds: 31 * DAY });
    expect(report.oldestAgeRatio).toBeCloseTo(90 / 31, 3);
  });

  it('skips secrets without a bound, and names those whose rotation is off', () => {
    const report = assessFreshness([secret('no-bound', 400, undefined), secret('off', 1, 31, false)], now);
    expect(report.overdue).toEqual([]);
    expect(report.rotationDisabled).toEqual([secret('off', 1, 31).arn]);
    expect(report.oldestAgeRatio).toBeCloseTo(1 / 31, 3);
  });

  it('reports nothing for an empty inventory', () => {
    expect(assessFreshness([], now)).toEqual({ managed: 0, overdue: [], rotationDisabled: [], oldestAgeRatio: 0 });
  });
});
