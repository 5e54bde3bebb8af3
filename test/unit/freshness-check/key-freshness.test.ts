import { assessKeyFreshness, type KeyReading, lastRotationOf } from '../../../functions/freshness-check/key-freshness';
import type { MonitoredKey } from '../../../functions/freshness-check/monitored-keys';

const now = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400;
const daysAgo = (days: number): Date => new Date(now.getTime() - days * DAY * 1000);
const monitored = (entryId: string, maxAgeDays: number): MonitoredKey => ({
  entryId,
  keyRef: `alias/${entryId}`,
  maxAgeSeconds: maxAgeDays * DAY,
});
const read = (
  entryId: string,
  maxAgeDays: number,
  dates: { created: number; rotated?: number; deletion?: Date },
  keyState = 'Enabled',
): KeyReading => ({
  key: monitored(entryId, maxAgeDays),
  status: 'read',
  keyArn: `arn:aws:kms:eu-west-1:111122223333:key/${entryId}`,
  keyState,
  creationDate: daysAgo(dates.created),
  ...(dates.rotated === undefined ? {} : { newestRotationDate: daysAgo(dates.rotated) }),
  ...(dates.deletion === undefined ? {} : { deletionDate: dates.deletion }),
});

describe('lastRotationOf', () => {
  it('is the newest rotation of a key KMS rotated', () => {
    expect(lastRotationOf({ creationDate: daysAgo(400), newestRotationDate: daysAgo(20) })).toEqual(daysAgo(20));
  });

  it('is the creation of a key that never rotated, or of the replacement an alias points at', () => {
    expect(lastRotationOf({ creationDate: daysAgo(3) })).toEqual(daysAgo(3));
  });

  it('never goes back before the creation (a rotation date older than the key is not its rotation)', () => {
    expect(lastRotationOf({ creationDate: daysAgo(3), newestRotationDate: daysAgo(30) })).toEqual(daysAgo(3));
  });
});

describe('assessKeyFreshness', () => {
  it('names the keys older than their policy allows, most overdue first, with their last rotation', () => {
    const report = assessKeyFreshness(
      [
        read('rotated-recently', 181, { created: 900, rotated: 30 }),
        read('automatic-missed', 181, { created: 900, rotated: 200 }),
        read('replacement-stale', 91, { created: 300 }),
        read('edge', 91, { created: 91 }),
      ],
      now,
    );

    expect(report.monitored).toBe(4);
    expect(report.overdue).toEqual([
      {
        entryId: 'replacement-stale',
        keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/replacement-stale',
        lastRotatedAt: daysAgo(300).toISOString(),
        ageSeconds: 300 * DAY,
        maxAgeSeconds: 91 * DAY,
      },
      expect.objectContaining({ entryId: 'automatic-missed', ageSeconds: 200 * DAY }),
    ]);
    expect(report.unchecked).toEqual([]);
    expect(report.oldestAgeRatio).toBeCloseTo(300 / 91, 3);
  });

  it('reports an unreadable key and a key pending deletion by entry id, without hiding the others', () => {
    const report = assessKeyFreshness(
      [
        { key: monitored('denied', 91), status: 'unreadable', reason: 'AccessDeniedException' },
        read('deleting', 91, { created: 1, deletion: new Date('2026-06-30T00:00:00Z') }, 'PendingDeletion'),
        read('late', 91, { created: 120 }),
      ],
      now,
    );

    expect(report.unchecked).toEqual([
      { entryId: 'denied', keyRef: 'alias/denied', reason: 'AccessDeniedException' },
      {
        entryId: 'deleting',
        keyRef: 'alias/deleting',
        reason:
          'arn:aws:kms:eu-west-1:111122223333:key/deleting is PendingDeletion (deleted on 2026-06-30T00:00:00.000Z)',
      },
    ]);
    expect(report.overdue.map((key) => key.entryId)).toEqual(['late']);
    // the ratio comes from the keys that could be judged only
    expect(report.oldestAgeRatio).toBeCloseTo(120 / 91, 3);
  });

  it('reports nothing for a policy without keys', () => {
    expect(assessKeyFreshness([], now)).toEqual({ monitored: 0, overdue: [], unchecked: [], oldestAgeRatio: 0 });
  });
});
