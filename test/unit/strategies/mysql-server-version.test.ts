import {
  isAtLeast,
  maxUserNameLength,
  parseServerVersion,
  supportsDualPasswords,
} from '../../../functions/strategies/mysql/server-version';

describe('parseServerVersion', () => {
  it.each([
    ['8.0.35', 'MySQL Community Server - GPL', 'mysql', 8, 0, 35],
    ['8.0.36-log', 'Source distribution', 'mysql', 8, 0, 36],
    ['8.4.0', 'MySQL Community Server - GPL', 'mysql', 8, 4, 0],
    ['9.1.0-commercial', 'MySQL Enterprise Server - Commercial', 'mysql', 9, 1, 0],
    ['8.0.34-26', 'Percona Server (GPL), Release 26', 'mysql', 8, 0, 34],
    ['8.0.mysql_aurora.3.04.0', '', 'mysql', 8, 0, 23],
    ['5.7.44-log', 'MySQL Community Server (GPL)', 'mysql', 5, 7, 44],
    ['10.11.19-MariaDB-0+deb12u1', 'Debian 12', 'mariadb', 10, 11, 19],
    ['11.4.2-MariaDB', 'MariaDB Server', 'mariadb', 11, 4, 2],
    ['5.5.5-10.6.12-MariaDB-log', 'Source distribution', 'mariadb', 10, 6, 12],
    ['10.5.8-MariaDB-1:10.5.8+maria~focal', 'mariadb.org binary distribution', 'mariadb', 10, 5, 8],
    ['10.6.14', 'MariaDB Server', 'mariadb', 10, 6, 14],
  ])('%s (%s) → %s %i.%i.%i', (text, comment, flavor, major, minor, patch) => {
    expect(parseServerVersion(text, comment)).toMatchObject({ flavor, major, minor, patch });
  });

  it.each(['', 'MySQL', 'v8.0.1', '8.0'])('refuses "%s" with a named error instead of guessing', (text) => {
    expect(() => parseServerVersion(text)).toThrow(
      expect.objectContaining({ name: 'UnrecognizedServerVersionError' }) as Error,
    );
  });
});

describe('features by version, compared as numbers', () => {
  const v = (text: string, comment = '') => parseServerVersion(text, comment);

  it('dual passwords from MySQL 8.0.14 on (8.0.9 is older than 8.0.14), never on MariaDB', () => {
    expect(supportsDualPasswords(v('8.0.9'))).toBe(false);
    expect(supportsDualPasswords(v('8.0.13'))).toBe(false);
    expect(supportsDualPasswords(v('8.0.14'))).toBe(true);
    expect(supportsDualPasswords(v('8.4.0'))).toBe(true);
    expect(supportsDualPasswords(v('9.0.1'))).toBe(true);
    expect(supportsDualPasswords(v('5.7.44'))).toBe(false);
    expect(supportsDualPasswords(v('11.4.2-MariaDB'))).toBe(false);
  });

  it('user name limits: MySQL 32 characters, MariaDB 80, very old servers 16', () => {
    expect(maxUserNameLength(v('8.0.35'))).toBe(32);
    expect(maxUserNameLength(v('5.7.8'))).toBe(32);
    expect(maxUserNameLength(v('5.7.7'))).toBe(16);
    expect(maxUserNameLength(v('10.11.19-MariaDB'))).toBe(80);
  });

  it('isAtLeast compares major, then minor, then patch', () => {
    expect(isAtLeast(v('10.11.2-MariaDB'), 10, 2)).toBe(true);
    expect(isAtLeast(v('10.1.48-MariaDB'), 10, 2)).toBe(false);
    expect(isAtLeast(v('8.0.100'), 8, 0, 99)).toBe(true);
  });
});
