import {
  longestIntervalMs,
  nextCronOccurrence,
  nextRotationDate,
  parseCronExpression,
  parseScheduleExpression,
  ScheduleExpressionError,
  validateRotationRules,
} from '../../../functions/shared/rotation-schedule';

const at = (iso: string) => new Date(iso);
const next = (fields: string, after: string) =>
  nextCronOccurrence(parseCronExpression(fields), at(after))?.toISOString();

function expectScheduleError(action: () => unknown, field: string, messagePart?: RegExp): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ScheduleExpressionError);
  expect((thrown as ScheduleExpressionError).field).toBe(field);
  if (messagePart) expect((thrown as Error).message).toMatch(messagePart);
}

describe('cron next occurrence (UTC, strictly after the given time)', () => {
  it.each([
    // fields, after, expected
    ['0 4 * * ? *', '2026-03-10T03:00:00Z', '2026-03-10T04:00:00.000Z'],
    ['0 4 * * ? *', '2026-03-10T04:00:00Z', '2026-03-11T04:00:00.000Z'],
    ['0 4/12 * * ? *', '2026-03-10T05:00:00Z', '2026-03-10T16:00:00.000Z'],
    ['0 4/12 * * ? *', '2026-03-10T16:30:00Z', '2026-03-11T04:00:00.000Z'],
    ['0 0 1 * ? *', '2026-01-15T00:00:00Z', '2026-02-01T00:00:00.000Z'],
    ['0 0 L * ? *', '2026-02-03T00:00:00Z', '2026-02-28T00:00:00.000Z'],
    ['0 0 L * ? *', '2028-02-03T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['0 8 ? * MON *', '2026-03-10T00:00:00Z', '2026-03-16T08:00:00.000Z'],
    ['0 8 ? * 2 *', '2026-03-10T00:00:00Z', '2026-03-16T08:00:00.000Z'],
    ['0 8 ? * MON-FRI *', '2026-03-14T00:00:00Z', '2026-03-16T08:00:00.000Z'],
    ['0 8 ? * SAT,SUN *', '2026-03-10T00:00:00Z', '2026-03-14T08:00:00.000Z'],
    ['0 8 ? * FRI-MON *', '2026-03-10T09:00:00Z', '2026-03-13T08:00:00.000Z'],
    ['0 0 ? * SUN#1 *', '2026-03-02T00:00:00Z', '2026-04-05T00:00:00.000Z'],
    ['0 0 ? * 6L *', '2026-03-01T00:00:00Z', '2026-03-27T00:00:00.000Z'],
    ['0 0 ? * L *', '2026-03-10T00:00:00Z', '2026-03-14T00:00:00.000Z'],
    ['0 9 15W * ? *', '2026-08-01T00:00:00Z', '2026-08-14T09:00:00.000Z'],
    ['0 9 1W * ? *', '2026-08-01T00:00:00Z', '2026-08-03T09:00:00.000Z'],
    ['0 9 LW * ? *', '2026-05-01T00:00:00Z', '2026-05-29T09:00:00.000Z'],
    ['0 0 1 JAN,JUL ? *', '2026-03-01T00:00:00Z', '2026-07-01T00:00:00.000Z'],
    ['0 0 1 */3 ? *', '2026-02-01T00:00:00Z', '2026-04-01T00:00:00.000Z'],
    ['30 6 * * ? 2030', '2026-03-01T00:00:00Z', '2030-01-01T06:30:00.000Z'],
  ])('cron(%s) after %s is %s', (fields, after, expected) => {
    expect(next(fields, after)).toBe(expected);
  });

  it('finds nothing for a date that never exists', () => {
    expect(next('0 0 30 2 ? *', '2026-01-01T00:00:00Z')).toBeUndefined();
  });

  it('accepts names in any case', () => {
    expect(next('0 0 ? jan mon *', '2026-01-01T00:00:00Z')).toBe('2026-01-05T00:00:00.000Z');
  });
});

describe('cron parsing names the field at fault', () => {
  it.each([
    ['0 4 * *', 'ScheduleExpression', /6 fields/],
    ['60 4 * * ? *', 'Minutes', /outside 0-59/],
    ['0 24 * * ? *', 'Hours', /outside 0-23/],
    ['0 4 32 * ? *', 'Day-of-month', /outside 1-31/],
    ['0 4 * 13 ? *', 'Month', /outside 1-12/],
    ['0 4 * FOO ? *', 'Month', /not a number or a name/],
    ['0 4 ? * 8 *', 'Day-of-week', /outside 1-7/],
    ['0 4 ? * MON#6 *', 'Day-of-week', /1-5/],
    ['0 4 * * * *', 'Day-of-week', /Exactly one/],
    ['0 4 ? * ? *', 'Day-of-week', /Exactly one/],
    ['0 4 * * ? 1969', 'Year', /outside 1970-2199/],
    ['0 ? * * ? *', 'Hours', /'\?' is allowed only/],
    ['0 4/0 * * ? *', 'Hours', /step/],
    ['0 4 5L * ? *', 'Day-of-month', /L or W/],
  ])('cron(%s) fails on %s', (fields, field, message) => {
    expectScheduleError(() => parseCronExpression(fields), field, message);
  });
});

describe('schedule expressions for rotation', () => {
  it('reads rate expressions in hours and days', () => {
    expect(parseScheduleExpression('rate(4 hours)')).toEqual({ kind: 'hours', hours: 4 });
    expect(parseScheduleExpression('rate(1 day)')).toEqual({ kind: 'days', days: 1 });
    expect(parseScheduleExpression('rate(10 days)')).toEqual({ kind: 'days', days: 10 });
  });

  it('refuses rotation more often than every four hours', () => {
    expectScheduleError(() => parseScheduleExpression('rate(3 hours)'), 'ScheduleExpression', /four hours/);
    expectScheduleError(() => parseScheduleExpression('cron(0 */2 * * ? *)'), 'Hours', /at most every 4 hours/);
    expectScheduleError(() => parseScheduleExpression('cron(0 0,22 * * ? *)'), 'Hours', /2 hour/);
    expect(parseScheduleExpression('cron(0 0,4,8,12,16,20 * * ? *)').kind).toBe('cron');
  });

  it('requires rotation windows to open on the hour', () => {
    expectScheduleError(() => parseScheduleExpression('cron(15 4 * * ? *)'), 'Minutes', /must be 0/);
  });

  it('refuses anything that is not rate() or cron()', () => {
    expectScheduleError(() => parseScheduleExpression('every day'), 'ScheduleExpression');
    expectScheduleError(() => parseScheduleExpression('rate(5 minutes)'), 'ScheduleExpression');
    expectScheduleError(() => parseScheduleExpression('rate(0 days)'), 'ScheduleExpression');
    expectScheduleError(() => parseScheduleExpression('rate(1001 days)'), 'ScheduleExpression');
  });
});

describe('RotationRules validation', () => {
  it('takes AutomaticallyAfterDays or ScheduleExpression, not both', () => {
    expectScheduleError(
      () => validateRotationRules({ AutomaticallyAfterDays: 30, ScheduleExpression: 'rate(30 days)' }),
      'RotationRules',
      /not both/,
    );
    expect(validateRotationRules({ AutomaticallyAfterDays: 30 }).schedule).toEqual({ kind: 'days', days: 30 });
  });

  it('keeps AutomaticallyAfterDays within 1-1000', () => {
    expectScheduleError(() => validateRotationRules({ AutomaticallyAfterDays: 0 }), 'AutomaticallyAfterDays');
    expectScheduleError(() => validateRotationRules({ AutomaticallyAfterDays: 1001 }), 'AutomaticallyAfterDays');
  });

  it('checks the window Duration against the schedule', () => {
    expect(validateRotationRules({ ScheduleExpression: 'rate(6 hours)', Duration: '3h' }).windowHours).toBe(3);
    expectScheduleError(
      () => validateRotationRules({ ScheduleExpression: 'rate(6 hours)', Duration: '7h' }),
      'Duration',
      /between rotations/,
    );
    expectScheduleError(
      () => validateRotationRules({ ScheduleExpression: 'cron(0 22 * * ? *)', Duration: '3h' }),
      'Duration',
      /next UTC day/,
    );
    expectScheduleError(
      () => validateRotationRules({ ScheduleExpression: 'cron(0 0,6,12 * * ? *)', Duration: '8h' }),
      'Duration',
      /next rotation window/,
    );
    expectScheduleError(() => validateRotationRules({ AutomaticallyAfterDays: 1, Duration: '25h' }), 'Duration');
    expectScheduleError(() => validateRotationRules({ AutomaticallyAfterDays: 1, Duration: '3 hours' }), 'Duration');
  });
});

describe('next rotation date', () => {
  const createdAt = at('2026-01-01T10:00:00Z');
  const lastRotatedAt = at('2026-03-01T12:30:00Z');
  const now = at('2026-03-02T00:00:00Z');

  it('counts interval schedules from the last rotation, or from creation before the first one', () => {
    expect(nextRotationDate({ kind: 'days', days: 30 }, { createdAt, lastRotatedAt, now })).toEqual(
      at('2026-03-31T12:30:00Z'),
    );
    expect(nextRotationDate({ kind: 'days', days: 30 }, { createdAt, now })).toEqual(at('2026-01-31T10:00:00Z'));
    expect(nextRotationDate({ kind: 'hours', hours: 6 }, { createdAt, lastRotatedAt, now })).toEqual(
      at('2026-03-01T18:30:00Z'),
    );
  });

  it('puts cron schedules at their next matching time after now', () => {
    const schedule = parseScheduleExpression('cron(0 4 ? * MON *)');
    expect(nextRotationDate(schedule, { createdAt, lastRotatedAt, now })).toEqual(at('2026-03-02T04:00:00Z'));
  });
});

describe('longestIntervalMs', () => {
  const from = new Date('2026-01-01T00:00:00Z');
  const HOUR = 3_600_000;

  it('is the interval of a rate', () => {
    expect(longestIntervalMs(parseScheduleExpression('rate(30 days)'), from)).toBe(30 * 24 * HOUR);
    expect(longestIntervalMs(parseScheduleExpression('rate(12 hours)'), from)).toBe(12 * HOUR);
  });

  it('is the widest gap of a cron: weekly is a week, twice a month is the longer half', () => {
    expect(longestIntervalMs(parseScheduleExpression('cron(0 3 ? * MON *)'), from)).toBe(7 * 24 * HOUR);
    // The 1st and the 15th: from the 15th to the 1st of a 31-day month is 17 days.
    expect(longestIntervalMs(parseScheduleExpression('cron(0 4 1,15 * ? *)'), from)).toBe(17 * 24 * HOUR);
  });

  it('is undefined for a cron that fires fewer than twice in the year scanned', () => {
    expect(longestIntervalMs(parseScheduleExpression('cron(0 4 1 1 ? 2026)'), from)).toBeUndefined();
  });
});
