/**
 * Regular expressions in the local CloudWatch Logs' filter patterns (`%...%`), the subset
 * CloudWatch Logs documents, and quoted terms with double quotes in them: what matches, what does
 * not, and what is refused as CloudWatch refuses it. The database log lines are the ones the
 * auth-failure signal counts (PostgreSQL and MariaDB), for one user name and not its look-alikes.
 */
import { matchesFilterPattern } from '../../../local/cloudwatchlogs/filter-match';
import { FilterPatternError, parseFilterPattern } from '../../../local/cloudwatchlogs/filter-pattern';

const matches = (pattern: string, message: string) => matchesFilterPattern(parseFilterPattern(pattern), message);

const PG_APP = '2026-03-01 12:00:00 UTC [311]: FATAL:  password authentication failed for user "app"';
const PG_REPORTING = '2026-03-01 12:00:01 UTC [312]: FATAL:  password authentication failed for user "app_reporting"';
const MARIADB_APP = "2026-03-01 12:00:02 7 [Warning] Access denied for user 'app'@'127.0.0.1' (using password: YES)";
const MARIADB_REPORTING =
  "2026-03-01 12:00:03 8 [Warning] Access denied for user 'app_reporting'@'127.0.0.1' (using password: YES)";

describe('filter patterns: regular expressions', () => {
  test.each([
    ['%AUTHORIZED%', '[ERROR 401] UNAUTHORIZED REQUEST', true], // anywhere in the text, as documented
    ['%AUTHORIZED%', '[SUCCESS 200] AUTHORIZED REQUEST', true],
    ['%authorized%', '[SUCCESS 200] AUTHORIZED REQUEST', false], // case-sensitive
    ['%^[hc]at%', 'hat trick', true],
    ['%^[hc]at%', 'the cat', false],
    ['%[hc]at$%', 'the cat', true],
    ['%colou?r%', 'the color', true],
    ['%colou?r%', 'the colour', true],
    ['%a{3,5}%', 'baab', false],
    ['%a{3,5}%', 'baaab', true],
    ['%[Ee]rror|[Ff]ail%', 'request failed', true],
    ['%[Ee]rror|[Ff]ail%', 'all good', false],
    ['%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%', 'from 10.0.12.7 port 5432', true],
    ['%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%', 'from 10.0.x.7', false],
    ['%\\[.\\]%', 'flag [x] set', true],
    ['%\\w+@\\w+%', 'user@host', true],
  ])('%s on %j: %s', (pattern, message, expected) => {
    expect(matches(pattern, message)).toBe(expected);
  });

  test('one database user, not its look-alikes: regex with \\s and \\x22 (a double quote), \\x27 (a single quote)', () => {
    const postgres = '%authentication\\sfailed\\sfor\\suser\\s\\x22app\\x22%';
    expect(matches(postgres, PG_APP)).toBe(true);
    expect(matches(postgres, PG_REPORTING)).toBe(false);
    const mariadb = '%Access\\sdenied\\sfor\\suser\\s\\x27app\\x27@%';
    expect(matches(mariadb, MARIADB_APP)).toBe(true);
    expect(matches(mariadb, MARIADB_REPORTING)).toBe(false);
  });

  test('one database user, not its look-alikes: quoted phrases, \\" for a double quote', () => {
    const postgres = '"password authentication failed for user \\"app\\""';
    expect(matches(postgres, PG_APP)).toBe(true);
    expect(matches(postgres, PG_REPORTING)).toBe(false);
    // Single quotes need no escape inside a double-quoted phrase.
    const mariadb = `"Access denied for user 'app'@"`;
    expect(matches(mariadb, MARIADB_APP)).toBe(true);
    expect(matches(mariadb, MARIADB_REPORTING)).toBe(false);
  });

  test('in JSON patterns: = and != with a regular expression on string fields, at most two per pattern', () => {
    const event = JSON.stringify({ user: 'app', db: 'orders', attempts: 3 });
    expect(matches('{ $.user = %^app$% }', event)).toBe(true);
    expect(matches('{ $.user = %^app$% }', JSON.stringify({ user: 'app_reporting' }))).toBe(false);
    expect(matches('{ $.user != %^app$% && $.db = %ord|bill% }', event)).toBe(false);
    expect(matches('{ $.user = %^ap% && $.db = %ord|bill% }', event)).toBe(true);
    expect(matches('{ $.attempts = %3% }', event)).toBe(false); // a number is not a string
    expect(() => parseFilterPattern('{ $.a = %x% && $.b = %y% && $.c = %z% }')).toThrow(
      /at most 2 regular expressions/,
    );
    expect(() => parseFilterPattern('{ $.a > %x% }')).toThrow(/compares numbers only/);
  });

  test.each([
    ['%(app)%', /\( and \) are not supported/],
    ['%app reporting%', /" " is not supported .*\\x20/],
    ['%something!%', /"!" is not supported/],
    ['%user "app"%', /is not supported/],
    ['%caf\u00e9%', /multi-byte/],
    ['%\\q%', /escape \\q is not supported/],
    ['%\\x2%', /two hexadecimal digits/],
    ['%[abc%', /invalid regular expression/],
    ['%%', /empty regular expression/],
    ['{ $.a = %abc }', /must be enclosed in %/],
  ])('refused as CloudWatch refuses it: %s', (pattern, reason) => {
    expect(() => parseFilterPattern(pattern)).toThrow(FilterPatternError);
    expect(() => parseFilterPattern(pattern)).toThrow(reason);
  });
});
