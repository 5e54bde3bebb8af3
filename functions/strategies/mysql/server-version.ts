import { UnrecognizedServerVersionError } from './errors';

/**
 * What a MySQL-protocol server is, from `SELECT VERSION(), @@version_comment`. Features are
 * decided on parsed numbers, never on string prefixes ("8.0.9" < "8.0.14" as strings is false).
 */

export type ServerFlavor = 'mysql' | 'mariadb';

export interface ServerVersion {
  readonly flavor: ServerFlavor;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** The version string as the server reported it (never secret; for messages). */
  readonly text: string;
}

// MariaDB 10+ prefixed its handshake version with "5.5.5-" for old clients; some proxies pass that on.
const MARIADB_COMPAT_PREFIX = /^5\.5\.5-(?=\d+\.\d+\.\d+-?.*mariadb)/i;
const NUMBERS = /^(\d+)\.(\d+)\.(\d+)(?![\d.])/;
// Aurora MySQL reports "8.0.mysql_aurora.3.04.0": version 3 is compatible with MySQL 8.0.23 and later.
const AURORA = /^(\d+)\.(\d+)\.mysql_aurora\.(\d+)\.\d+\.\d+/;
const AURORA_MYSQL_PATCH: Readonly<Record<string, number>> = { '2': 10, '3': 23 };

export function parseServerVersion(version: string, versionComment = ''): ServerVersion {
  const text = version.trim();
  const flavor: ServerFlavor = /mariadb/i.test(text) || /mariadb/i.test(versionComment) ? 'mariadb' : 'mysql';
  const aurora = AURORA.exec(text);
  if (aurora) {
    return {
      flavor: 'mysql',
      major: Number(aurora[1]),
      minor: Number(aurora[2]),
      patch: AURORA_MYSQL_PATCH[aurora[3] ?? ''] ?? 0,
      text,
    };
  }
  const numbers = NUMBERS.exec(flavor === 'mariadb' ? text.replace(MARIADB_COMPAT_PREFIX, '') : text);
  if (!numbers) {
    throw new UnrecognizedServerVersionError(
      `the server reports version "${text.slice(0, 60)}", which keyturn cannot read`,
    );
  }
  return { flavor, major: Number(numbers[1]), minor: Number(numbers[2]), patch: Number(numbers[3]), text };
}

/** Whether `v` is at least major.minor.patch (of its own flavor). */
export function isAtLeast(v: ServerVersion, major: number, minor = 0, patch = 0): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}

export function describeServer(v: ServerVersion): string {
  return `${v.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${v.major}.${v.minor}.${v.patch}`;
}

/** MySQL 8.0.14 added RETAIN CURRENT PASSWORD / DISCARD OLD PASSWORD; MariaDB has no equivalent. */
export function supportsDualPasswords(v: ServerVersion): boolean {
  return v.flavor === 'mysql' && isAtLeast(v, 8, 0, 14);
}

/** MySQL 8.0.13 added `REPLACE 'current'` (needed where password_require_current is on). */
export function supportsReplaceClause(v: ServerVersion): boolean {
  return v.flavor === 'mysql' && isAtLeast(v, 8, 0, 13);
}

/** The longest user name the server stores: MariaDB 10+ 80, MySQL 5.7.8+ 32, older 16 (characters). */
export function maxUserNameLength(v: ServerVersion): number {
  if (v.flavor === 'mariadb') return isAtLeast(v, 10) ? 80 : 16;
  return isAtLeast(v, 5, 7, 8) ? 32 : 16;
}

/** A user name's length as the servers count it: in characters (code points), not bytes. */
export function userNameLength(name: string): number {
  return Array.from(name).length;
}

/** The longest user name any supported server accepts: the limit a secret is checked against before connecting. */
export const MAX_USER_NAME_LENGTH_ANY_SERVER = 80;
