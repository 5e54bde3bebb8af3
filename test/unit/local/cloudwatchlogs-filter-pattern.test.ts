/**
 * The local CloudWatch Logs' filter patterns: what each supported form matches and does not, and
 * that every form it does not support is refused by name instead of matched by a guess.
 */
import { matchesFilterPattern } from '../../../local/cloudwatchlogs/filter-match';
import { FilterPatternError, parseFilterPattern } from '../../../local/cloudwatchlogs/filter-pattern';

const matches = (pattern: string, message: string) => matchesFilterPattern(parseFilterPattern(pattern), message);

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf';
const auditEvent = JSON.stringify({
  version: '0',
  id: 'e-1',
  'detail-type': 'RotationStarted',
  source: 'keyturn.rotation',
  resources: [SECRET_ARN],
  detail: { secretArn: SECRET_ARN, emergency: false, attempt: 3, trigger: 'schedule', note: null },
});

describe('filter patterns: empty and terms', () => {
  test('the empty pattern (or only blanks) matches every message', () => {
    expect(matches('', 'anything')).toBe(true);
    expect(matches('   ', '')).toBe(true);
  });

  test('every bare term must appear as a whole word, case-sensitively', () => {
    expect(matches('ERROR', '[ERROR 400] BAD REQUEST')).toBe(true);
    expect(matches('ERROR MainThread', 'ERROR in MainThread')).toBe(true);
    expect(matches('ERROR MainThread', 'ERROR in worker')).toBe(false);
    expect(matches('error', 'ERROR')).toBe(false);
    expect(matches('AUTHORIZED', 'UNAUTHORIZED REQUEST')).toBe(false);
  });

  test('a quoted phrase must appear as written, spaces and punctuation included', () => {
    expect(matches('"rotation failed" db', 'db: rotation failed.')).toBe(true);
    expect(matches('"rotation failed"', 'rotation  failed')).toBe(false);
    expect(matches('"keyturn.rotation"', auditEvent)).toBe(true);
    expect(matches('"say \\"hi\\""', 'they say "hi"')).toBe(true);
  });
});

describe('filter patterns: JSON', () => {
  test('string equality on a nested field, exact unless * is used', () => {
    expect(matches(`{ $.detail.secretArn = "${SECRET_ARN}" }`, auditEvent)).toBe(true);
    expect(matches(`{ $.detail.secretArn = "${SECRET_ARN}x" }`, auditEvent)).toBe(false);
    expect(matches('{ $.detail.secretArn = "arn:aws:secretsmanager:*" }', auditEvent)).toBe(true);
    expect(matches('{ $.source = keyturn.* }', auditEvent)).toBe(true);
    expect(matches('{ $.source = keyturn }', auditEvent)).toBe(false);
    expect(matches('{ $.resources[0] = "arn:*:db-*" }', auditEvent)).toBe(true);
  });

  test('!= holds for another value, not for the same one nor for a missing field', () => {
    expect(matches('{ $.detail.trigger != "manual" }', auditEvent)).toBe(true);
    expect(matches('{ $.detail.trigger != sched* }', auditEvent)).toBe(false);
    expect(matches('{ $.detail.missing != "x" }', auditEvent)).toBe(false);
  });

  test('numeric comparisons compare numbers, and never a string field', () => {
    expect(matches('{ $.detail.attempt = 3 }', auditEvent)).toBe(true);
    expect(matches('{ $.detail.attempt >= 3 && $.detail.attempt < 4 }', auditEvent)).toBe(true);
    expect(matches('{ $.detail.attempt > 3 }', auditEvent)).toBe(false);
    expect(matches('{ $.detail.attempt <= 2.5 }', auditEvent)).toBe(false);
    expect(matches('{ $.detail.attempt != 4 }', auditEvent)).toBe(true);
    expect(matches('{ $.version = 0 }', auditEvent)).toBe(false);
  });

  test('&& binds tighter than ||; parentheses group', () => {
    const either = '{ $.detail.trigger = "manual" || $.detail.attempt = 3 && $.source = "keyturn.rotation" }';
    expect(matches(either, auditEvent)).toBe(true);
    expect(matches('{ ($.detail.trigger = "manual" || $.detail.attempt = 3) && $.source = "other" }', auditEvent)).toBe(
      false,
    );
    expect(
      matches('{ ($.detail.trigger = "manual" || $.detail.attempt = 3) && $.source = keyturn* }', auditEvent),
    ).toBe(true);
  });

  test('IS TRUE / IS FALSE / IS NULL / NOT EXISTS', () => {
    expect(matches('{ $.detail.emergency IS FALSE }', auditEvent)).toBe(true);
    expect(matches('{ $.detail.emergency IS TRUE }', auditEvent)).toBe(false);
    expect(matches('{ $.detail.note IS NULL }', auditEvent)).toBe(true);
    expect(matches('{ $.detail.gone NOT EXISTS }', auditEvent)).toBe(true);
    expect(matches('{ $.detail.note NOT EXISTS }', auditEvent)).toBe(false);
  });

  test('a JSON pattern never matches a message that is not JSON', () => {
    expect(matches('{ $.a = "x" }', 'a = x')).toBe(false);
  });
});

describe('filter patterns: refused, by name', () => {
  test.each([
    ['?ERROR ?WARN', /alternative terms/],
    ['ERROR -DEBUG', /excluded terms/],
    ['ERROR %AUTH.*%', /a regular expression among terms/],
    ['[ip, user, status=404]', /space-delimited patterns/],
    ['{ $.a.* = "x" }', /selector/],
  ])('%s', (pattern, reason) => {
    expect(() => parseFilterPattern(pattern)).toThrow(FilterPatternError);
    expect(() => parseFilterPattern(pattern)).toThrow(reason);
    expect(() => parseFilterPattern(pattern)).toThrow(/not supported by the local CloudWatch Logs/);
  });

  test.each([
    ['{ $.a = "x" ', /must end with }/],
    ['{ }', /needs a condition/],
    ['{ $.a = }', /ends where a value was expected/],
    ['{ $.a > "x" }', /compares numbers only/],
    ['{ $.a = "x" && }', /ends where a condition was expected/],
    ['{ ($.a = "x" }', /ends where \) was expected/],
    ['{ $.a = "x" $.b = "y" }', /unexpected a selector/],
    ['{ a = "x" }', /expected a selector/],
    ['"unterminated', /unterminated quoted string/],
    ['keyturn.rotation', /quote it/],
  ])('malformed: %s', (pattern, reason) => {
    expect(() => parseFilterPattern(pattern)).toThrow(reason);
  });
});
