/**
 * Secrets Manager rotation schedules, as pure functions: AWS's 6-field cron
 * (`cron(Minutes Hours Day-of-month Month Day-of-week Year)`, UTC), `rate(N hours|days)`,
 * the legacy `AutomaticallyAfterDays`, the rotation window `Duration`, and the next rotation date.
 */

export type CronField = 'Minutes' | 'Hours' | 'Day-of-month' | 'Month' | 'Day-of-week' | 'Year';

/** A schedule that AWS would refuse; `field` names the part at fault so the message can too. */
export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError';
  constructor(
    readonly field: CronField | 'ScheduleExpression' | 'AutomaticallyAfterDays' | 'Duration' | 'RotationRules',
    message: string,
  ) {
    super(message);
  }
}

type DayOfMonthRule =
  | { readonly kind: 'unspecified' }
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  | { readonly kind: 'last-day' }
  | { readonly kind: 'last-weekday' }
  | { readonly kind: 'nearest-weekday'; readonly day: number };

type DayOfWeekRule =
  | { readonly kind: 'unspecified' }
  | { readonly kind: 'weekdays'; readonly weekdays: ReadonlySet<number> }
  | { readonly kind: 'last-of-month'; readonly weekday: number }
  | { readonly kind: 'nth-of-month'; readonly weekday: number; readonly nth: number };

export interface CronExpression {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dayOfMonth: DayOfMonthRule;
  readonly months: ReadonlySet<number>;
  /** Day-of-week numbers as AWS writes them: 1 = SUN ... 7 = SAT. */
  readonly dayOfWeek: DayOfWeekRule;
  readonly years: ReadonlySet<number> | 'any';
}

interface FieldSpec {
  readonly field: CronField;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const SPECS = {
  minutes: { field: 'Minutes', min: 0, max: 59 },
  hours: { field: 'Hours', min: 0, max: 23 },
  dayOfMonth: { field: 'Day-of-month', min: 1, max: 31 },
  month: { field: 'Month', min: 1, max: 12, names: MONTH_NAMES },
  dayOfWeek: { field: 'Day-of-week', min: 1, max: 7, names: WEEKDAY_NAMES },
  year: { field: 'Year', min: 1970, max: 2199 },
} as const satisfies Record<string, FieldSpec>;

/** Parses the six space-separated fields inside `cron(...)`. */
export function parseCronExpression(fields: string): CronExpression {
  const parts = fields.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new ScheduleExpressionError(
      'ScheduleExpression',
      `A cron expression needs 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), got ${parts.length}`,
    );
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const domRule = parseDayOfMonth(dayOfMonth);
  const dowRule = parseDayOfWeek(dayOfWeek);
  // AWS requires exactly one of the two day fields to be '?': they would otherwise contradict each other.
  if ((domRule.kind === 'unspecified') === (dowRule.kind === 'unspecified')) {
    throw new ScheduleExpressionError(
      'Day-of-week',
      'Exactly one of the Day-of-month and Day-of-week fields must be ? (a value in one means ? in the other)',
    );
  }
  return {
    minutes: sorted(parseValueList(minutes, SPECS.minutes)),
    hours: sorted(parseValueList(hours, SPECS.hours)),
    dayOfMonth: domRule,
    months: parseValueList(month, SPECS.month),
    dayOfWeek: dowRule,
    years: year === '*' ? 'any' : parseValueList(year, SPECS.year),
  };
}

function sorted(values: ReadonlySet<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

function fail(spec: FieldSpec, detail: string): never {
  throw new ScheduleExpressionError(
    spec.field,
    `Invalid value in the ${spec.field} field of the cron expression: ${detail}`,
  );
}

function parseNumber(token: string, spec: FieldSpec): number {
  const upper = token.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(token)) fail(spec, `'${token}' is not a number${spec.names ? ' or a name' : ''}`);
  const value = Number(token);
  if (value < spec.min || value > spec.max) fail(spec, `${value} is outside ${spec.min}-${spec.max}`);
  return value;
}

/** `*`, `a`, `a-b`, `a/n`, `*\/n`, `a-b/n`, and comma lists of those. A range may wrap (FRI-MON). */
function parseValueList(text: string, spec: FieldSpec): Set<number> {
  if (text === '?') fail(spec, `'?' is allowed only in Day-of-month and Day-of-week`);
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') fail(spec, 'empty list item');
    const [rangePart, stepPart, ...extra] = item.split('/');
    if (extra.length > 0 || rangePart === undefined) fail(spec, `'${item}' has more than one '/'`);
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart) || Number(stepPart) < 1) fail(spec, `step '${stepPart}' must be a positive number`);
      step = Number(stepPart);
    }
    let start: number;
    let end: number;
    if (rangePart === '*') {
      start = spec.min;
      end = spec.max;
    } else if (rangePart.includes('-')) {
      const [from, to, ...rest] = rangePart.split('-');
      if (rest.length > 0 || !from || !to) fail(spec, `'${rangePart}' is not a range`);
      start = parseNumber(from, spec);
      end = parseNumber(to, spec);
    } else {
      start = parseNumber(rangePart, spec);
      end = stepPart === undefined ? start : spec.max;
    }
    const span = spec.max - spec.min + 1;
    const length = end >= start ? end - start : end + span - start;
    for (let offset = 0; offset <= length; offset += step) {
      values.add(((start - spec.min + offset) % span) + spec.min);
    }
  }
  return values;
}

function parseDayOfMonth(text: string): DayOfMonthRule {
  const spec = SPECS.dayOfMonth;
  if (text === '?') return { kind: 'unspecified' };
  const upper = text.toUpperCase();
  if (upper === 'L') return { kind: 'last-day' };
  if (upper === 'LW') return { kind: 'last-weekday' };
  const nearest = /^(\d+)W$/.exec(upper);
  if (nearest?.[1] !== undefined) return { kind: 'nearest-weekday', day: parseNumber(nearest[1], spec) };
  if (/[LW#]/i.test(text)) fail(spec, `'${text}' uses L or W in a way AWS does not accept`);
  return { kind: 'days', days: parseValueList(text, spec) };
}

function parseDayOfWeek(text: string): DayOfWeekRule {
  const spec = SPECS.dayOfWeek;
  if (text === '?') return { kind: 'unspecified' };
  const upper = text.toUpperCase();
  if (upper === 'L') return { kind: 'weekdays', weekdays: new Set([7]) };
  const last = /^([A-Z]+|\d+)L$/.exec(upper);
  if (last?.[1] !== undefined) return { kind: 'last-of-month', weekday: parseNumber(last[1], spec) };
  const nth = /^([A-Z]+|\d+)#(\d+)$/.exec(upper);
  if (nth?.[1] !== undefined && nth[2] !== undefined) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) fail(spec, `'#${n}' must be 1-5 (the nth such weekday of the month)`);
    return { kind: 'nth-of-month', weekday: parseNumber(nth[1], spec), nth: n };
  }
  if (text.includes('#')) fail(spec, `'${text}' is not of the form weekday#n`);
  return { kind: 'weekdays', weekdays: parseValueList(text, spec) };
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The weekday (Mon-Fri) nearest to `day`, never crossing into another month, as Quartz-style W does. */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  const target = Math.min(day, last);
  const weekday = new Date(Date.UTC(year, month - 1, target)).getUTCDay();
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function dayMatches(cron: CronExpression, date: Date): boolean {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  const day = date.getUTCDate();
  if (cron.years !== 'any' && !cron.years.has(year)) return false;
  if (!cron.months.has(month)) return false;
  const awsWeekday = date.getUTCDay() + 1;
  const last = daysInMonth(year, month);
  const dom = cron.dayOfMonth;
  switch (dom.kind) {
    case 'days':
      return dom.days.has(day);
    case 'last-day':
      return day === last;
    case 'last-weekday':
      return day === nearestWeekday(year, month, last);
    case 'nearest-weekday':
      return day === nearestWeekday(year, month, dom.day);
    case 'unspecified':
      break;
  }
  const dow = cron.dayOfWeek;
  switch (dow.kind) {
    case 'weekdays':
      return dow.weekdays.has(awsWeekday);
    case 'last-of-month':
      return awsWeekday === dow.weekday && day + 7 > last;
    case 'nth-of-month':
      return awsWeekday === dow.weekday && Math.ceil(day / 7) === dow.nth;
    case 'unspecified':
      return false;
  }
}

/** How far ahead to look before deciding an expression never fires (Feb 30, a past year...). */
const SEARCH_HORIZON_DAYS = 366 * 5;

/** The first time strictly after `after` (minute precision, UTC) that the expression matches. */
export function nextCronOccurrence(cron: CronExpression, after: Date): Date | undefined {
  const firstDay = Math.floor(after.getTime() / DAY_MS) * DAY_MS;
  for (let d = 0; d <= SEARCH_HORIZON_DAYS; d++) {
    const dayStart = firstDay + d * DAY_MS;
    if (!dayMatches(cron, new Date(dayStart))) continue;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const candidate = dayStart + hour * HOUR_MS + minute * MINUTE_MS;
        if (candidate > after.getTime()) return new Date(candidate);
      }
    }
  }
  return undefined;
}

/** What a rotation schedule means once validated. */
export type RotationSchedule =
  | { readonly kind: 'days'; readonly days: number }
  | { readonly kind: 'hours'; readonly hours: number }
  | { readonly kind: 'cron'; readonly cron: CronExpression };

export interface RotationRulesInput {
  readonly AutomaticallyAfterDays?: number | undefined;
  readonly Duration?: string | undefined;
  readonly ScheduleExpression?: string | undefined;
}

export const MIN_ROTATION_INTERVAL_HOURS = 4;
export const MAX_ROTATION_INTERVAL_DAYS = 1000;

/** `rate(N hours|days)` or `cron(...)`: everything else is refused. */
export function parseScheduleExpression(expression: string): RotationSchedule {
  const rate = /^rate\(\s*(\d+)\s+(hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (rate?.[1] !== undefined && rate[2] !== undefined) {
    const value = Number(rate[1]);
    if (rate[2].startsWith('hour')) {
      if (value < MIN_ROTATION_INTERVAL_HOURS || value > MAX_ROTATION_INTERVAL_DAYS * 24) {
        throw new ScheduleExpressionError(
          'ScheduleExpression',
          `A rate in hours must be at least ${MIN_ROTATION_INTERVAL_HOURS} hours (rotation at most every four hours)`,
        );
      }
      return { kind: 'hours', hours: value };
    }
    if (value < 1 || value > MAX_ROTATION_INTERVAL_DAYS) {
      throw new ScheduleExpressionError(
        'ScheduleExpression',
        `A rate in days must be from 1 to ${MAX_ROTATION_INTERVAL_DAYS}`,
      );
    }
    return { kind: 'days', days: value };
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (cron?.[1] !== undefined) {
    const parsed = parseCronExpression(cron[1]);
    assertRotationCron(parsed);
    return { kind: 'cron', cron: parsed };
  }
  throw new ScheduleExpressionError(
    'ScheduleExpression',
    'The schedule expression must be rate(N hours), rate(N days) or cron(Minutes Hours Day-of-month Month Day-of-week Year)',
  );
}

/** Secrets Manager's own limits on top of cron syntax: windows open on the hour, at most every four hours. */
function assertRotationCron(cron: CronExpression): void {
  if (cron.minutes.length !== 1 || cron.minutes[0] !== 0) {
    throw new ScheduleExpressionError('Minutes', 'The Minutes field must be 0: rotation windows open on the hour');
  }
  const gap = smallestHourGap(cron.hours);
  if (gap < MIN_ROTATION_INTERVAL_HOURS) {
    throw new ScheduleExpressionError(
      'Hours',
      `The Hours field schedules rotations ${gap} hour(s) apart; Secrets Manager rotates at most every ${MIN_ROTATION_INTERVAL_HOURS} hours`,
    );
  }
}

/** Smallest distance between two firing hours, counting the wrap into the next day. */
function smallestHourGap(hours: readonly number[]): number {
  if (hours.length <= 1) return 24;
  let gap = 24 - (hours[hours.length - 1] as number) + (hours[0] as number);
  for (let i = 1; i < hours.length; i++) gap = Math.min(gap, (hours[i] as number) - (hours[i - 1] as number));
  return gap;
}

export interface ValidatedRotationRules {
  readonly schedule?: RotationSchedule;
  readonly windowHours?: number;
}

/**
 * Validates RotationRules as RotateSecret does: AutomaticallyAfterDays or ScheduleExpression,
 * not both; a Duration of 1h-24h that keeps the window inside the UTC day and inside the interval.
 */
export function validateRotationRules(rules: RotationRulesInput): ValidatedRotationRules {
  const { AutomaticallyAfterDays: days, ScheduleExpression: expression, Duration: duration } = rules;
  if (days !== undefined && expression !== undefined) {
    throw new ScheduleExpressionError(
      'RotationRules',
      'Specify either AutomaticallyAfterDays or ScheduleExpression in RotationRules, not both',
    );
  }
  let schedule: RotationSchedule | undefined;
  if (days !== undefined) {
    if (!Number.isInteger(days) || days < 1 || days > MAX_ROTATION_INTERVAL_DAYS) {
      throw new ScheduleExpressionError(
        'AutomaticallyAfterDays',
        `AutomaticallyAfterDays must be from 1 to ${MAX_ROTATION_INTERVAL_DAYS}`,
      );
    }
    schedule = { kind: 'days', days };
  } else if (expression !== undefined) {
    schedule = parseScheduleExpression(expression);
  }
  if (duration === undefined) return schedule ? { schedule } : {};

  const match = /^(\d{1,2})h$/.exec(duration);
  const windowHours = match?.[1] === undefined ? NaN : Number(match[1]);
  if (!(windowHours >= 1 && windowHours <= 24)) {
    throw new ScheduleExpressionError('Duration', 'Duration must be a number of hours from 1h to 24h, for example 3h');
  }
  if (schedule?.kind === 'hours' && windowHours > schedule.hours) {
    throw new ScheduleExpressionError(
      'Duration',
      'The rotation window must not be longer than the time between rotations',
    );
  }
  if (schedule?.kind === 'cron') {
    const lastStart = schedule.cron.hours[schedule.cron.hours.length - 1] ?? 0;
    if (lastStart + windowHours > 24) {
      throw new ScheduleExpressionError('Duration', 'The rotation window must not extend into the next UTC day');
    }
    if (windowHours > smallestHourGap(schedule.cron.hours)) {
      throw new ScheduleExpressionError(
        'Duration',
        'The rotation window must not extend into the next rotation window',
      );
    }
  }
  return schedule ? { schedule, windowHours } : { windowHours };
}

export interface RotationTimeline {
  readonly createdAt: Date;
  readonly lastRotatedAt?: Date | undefined;
  readonly now: Date;
}

/**
 * When the next rotation is due. Interval schedules count from the last rotation (or the
 * secret's creation); cron schedules fire at their next matching time after now.
 */
export function nextRotationDate(schedule: RotationSchedule, timeline: RotationTimeline): Date | undefined {
  const base = (timeline.lastRotatedAt ?? timeline.createdAt).getTime();
  switch (schedule.kind) {
    case 'days':
      return new Date(base + schedule.days * DAY_MS);
    case 'hours':
      return new Date(base + schedule.hours * HOUR_MS);
    case 'cron':
      return nextCronOccurrence(schedule.cron, timeline.now);
  }
}

/** How far ahead cron schedules are scanned for their longest gap: a year covers every monthly and yearly pattern. */
const GAP_SCAN_MS = 366 * DAY_MS;

/**
 * The longest time between two consecutive rotations a schedule allows: the interval of a
 * rate, or the widest gap between cron occurrences over the coming year (from `from`).
 * What "overdue" and the native-rotation backstop are measured against. Undefined for a
 * cron that fires fewer than twice a year.
 */
export function longestIntervalMs(schedule: RotationSchedule, from: Date): number | undefined {
  switch (schedule.kind) {
    case 'days':
      return schedule.days * DAY_MS;
    case 'hours':
      return schedule.hours * HOUR_MS;
    case 'cron': {
      const end = from.getTime() + GAP_SCAN_MS;
      let previous = nextCronOccurrence(schedule.cron, from);
      let longest: number | undefined;
      while (previous && previous.getTime() < end) {
        const next = nextCronOccurrence(schedule.cron, previous);
        if (!next) break;
        longest = Math.max(longest ?? 0, next.getTime() - previous.getTime());
        previous = next;
      }
      return longest;
    }
  }
}

/** Midnight UTC of the day `date` falls in: a reference that stays put for a whole day. */
export function startOfUtcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}
