import { parseTags, readSecretList } from '../../../cli/fleet/list-file';
import { formatDuration, progressFields, progressLine, ratePerMinute, timeLeftMs } from '../../../cli/fleet/progress';
import { UsageError } from '../../../cli/output/errors';

const MINUTE = 60_000;

describe('fleet progress', () => {
  const counts = { total: 40, rotated: 10, leftInUse: 1, skipped: 0, failed: 1, running: 4, wouldRotate: 0 };

  test('rate and time left from the lifecycles ended so far', () => {
    // 12 ended in 4 minutes: 3/min, 28 left → about 9 min 20 s
    expect(ratePerMinute(counts, 4 * MINUTE)).toBe(3);
    expect(timeLeftMs(counts, 4 * MINUTE)).toBeCloseTo((28 / 3) * MINUTE);
  });

  test('the plain line', () => {
    expect(progressLine(counts, 4 * MINUTE)).toBe(
      '12/40 done: rotated 10, left in use 1, skipped 0, failed 1; 3.0/min, 9 min left',
    );
  });

  test('a dry run counts what would rotate and what pre-flight refused', () => {
    const dry = { total: 4, rotated: 0, leftInUse: 0, skipped: 1, failed: 1, running: 0, wouldRotate: 2 };
    expect(progressLine(dry, 2 * MINUTE, true)).toBe(
      '4/4 done: would rotate 2, skipped 1, refused 1; 2.0/min, 0 s left',
    );
  });

  test('before anything ended, rate and time left are unknown', () => {
    const start = { total: 5, rotated: 0, leftInUse: 0, skipped: 0, failed: 0, running: 5, wouldRotate: 0 };
    expect(progressFields(start, 10_000)).toMatchObject({ done: 0, total: '5', rate: '?', timeLeft: '?' });
  });

  test.each([
    [45_000, '45 s'],
    [12 * MINUTE, '12 min'],
    [185 * MINUTE, '3 h 5 min'],
    [undefined, '?'],
  ])('%s ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('fleet selection options', () => {
  test('--file: one id a line, comments and blanks skipped, duplicates dropped', () => {
    const text =
      '# payments\norders-db\n\n  arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf  # prod\norders-db\n';
    expect(readSecretList('list.txt', () => text)).toEqual([
      'orders-db',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf',
    ]);
  });

  test('--file that lists nothing is a usage error', () => {
    expect(() => readSecretList('list.txt', () => '# nothing\n')).toThrow(
      new UsageError('--file list.txt lists no secret (one name or ARN a line)'),
    );
  });

  test('--tag: KEY=VALUE pairs; an empty value is allowed, an empty key or a conflict is not', () => {
    expect(parseTags(['team=payments', 'env=', 'url=a=b'])).toEqual({ team: 'payments', env: '', url: 'a=b' });
    expect(() => parseTags(['=x'])).toThrow('--tag =x: write it as KEY=VALUE');
    expect(() => parseTags(['team=a', 'team=b'])).toThrow('--tag team given twice with different values');
  });
});
