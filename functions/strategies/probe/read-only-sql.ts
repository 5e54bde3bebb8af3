/**
 * Whether a probe is one read-only SQL query. Checked twice with the same code: by the policy
 * at synth, and by the rotation function before it runs the probe (a tag can be edited by
 * anyone who may tag the secret). It is the first of three guards: the query also runs as a
 * subquery (`SELECT 1 FROM (<probe>) ...`, which only a query can be) inside a READ ONLY
 * transaction with a statement timeout.
 */

export type SqlDialect = 'postgres' | 'mysql';

/** The longest probe keyturn accepts (it travels base64-encoded in one 256-character tag). */
export const MAX_SQL_PROBE_LENGTH = 180;

const FIRST_WORDS: Record<SqlDialect, ReadonlySet<string>> = {
  postgres: new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']),
  mysql: new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']),
};

/** Words that only statements which write, lock, or change the session use. */
const REFUSED_WORDS = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'UPSERT',
  'INTO',
  'CREATE',
  'ALTER',
  'DROP',
  'TRUNCATE',
  'GRANT',
  'REVOKE',
  'COPY',
  'CALL',
  'DO',
  'LOCK',
  'UNLOCK',
  'SHARE',
  'NOWAIT',
  'SET',
  'RESET',
  'EXECUTE',
  'PREPARE',
  'DEALLOCATE',
  'LISTEN',
  'UNLISTEN',
  'NOTIFY',
  'VACUUM',
  'ANALYZE',
  'CLUSTER',
  'REINDEX',
  'REFRESH',
  'COMMENT',
  'DISCARD',
  'LOAD',
  'HANDLER',
  'KILL',
  'SHUTDOWN',
  'FLUSH',
  'PURGE',
  'OUTFILE',
  'DUMPFILE',
  'SAVEPOINT',
  'RELEASE',
  'ROLLBACK',
  'COMMIT',
  'BEGIN',
  'START',
  'CHECKPOINT',
  'SECURITY',
  'IMPORT',
  'RENAME',
  'INSTALL',
  'UNINSTALL',
]);

/** Functions with side effects (sequences, sessions, locks, files, sleeping) that a SELECT could call. */
const REFUSED_FUNCTIONS = new Set([
  'nextval',
  'setval',
  'set_config',
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_notify',
  'pg_switch_wal',
  'pg_promote',
  'pg_create_restore_point',
  'pg_read_file',
  'pg_read_binary_file',
  'pg_ls_dir',
  'pg_stat_file',
  'txid_current',
  'pg_current_xact_id',
  'lo_import',
  'lo_export',
  'lo_unlink',
  'lo_create',
  'lo_creat',
  'lo_from_bytea',
  'lo_put',
  'lo_truncate',
  'dblink',
  'dblink_exec',
  'dblink_connect',
  'sleep',
  'benchmark',
  'get_lock',
  'release_lock',
  'release_all_locks',
  'load_file',
  'master_pos_wait',
  'source_pos_wait',
  'wait_for_executed_gtid_set',
]);
const REFUSED_FUNCTION_PREFIXES = [
  'pg_sleep',
  'pg_advisory',
  'pg_try_advisory',
  'pg_create_',
  'pg_drop_',
  'pg_replication_',
];

type Token =
  | { readonly kind: 'word'; readonly value: string }
  | { readonly kind: 'quoted-name'; readonly value: string }
  | { readonly kind: 'literal' }
  | { readonly kind: 'punct'; readonly value: string };

class ProbeSyntaxError extends Error {}

/** The problem with `sql` as a probe, or undefined when it is one read-only query. */
export function readOnlySqlProblem(sql: string, dialect: SqlDialect): string | undefined {
  if (sql.length > MAX_SQL_PROBE_LENGTH) {
    return `is ${sql.length} characters long; a probe holds at most ${MAX_SQL_PROBE_LENGTH}`;
  }
  let tokens: Token[];
  try {
    tokens = tokenize(sql, dialect);
  } catch (error) {
    return `cannot be read: ${(error as Error).message}`;
  }
  const last = tokens[tokens.length - 1];
  if (last?.kind === 'punct' && last.value === ';') tokens.pop();
  if (tokens.length === 0) return 'is empty';
  if (tokens.some((t) => t.kind === 'punct' && t.value === ';')) return 'holds more than one statement';
  const first = tokens.find((t) => !(t.kind === 'punct' && t.value === '('));
  if (first?.kind !== 'word' || !FIRST_WORDS[dialect].has(first.value.toUpperCase())) {
    return `must be a query (SELECT, WITH, VALUES or TABLE), not "${describe(first)}"`;
  }
  for (const [i, token] of tokens.entries()) {
    if (token.kind === 'word' && REFUSED_WORDS.has(token.value.toUpperCase())) {
      return `uses ${token.value.toUpperCase()}, which writes, locks or changes the session`;
    }
    const next = tokens[i + 1];
    const called = next?.kind === 'punct' && next.value === '(';
    if (called && (token.kind === 'word' || token.kind === 'quoted-name') && refusedFunction(token.value)) {
      return `calls ${token.value}(), which has side effects`;
    }
  }
  return undefined;
}

function refusedFunction(name: string): boolean {
  const lower = name.toLowerCase();
  return REFUSED_FUNCTIONS.has(lower) || REFUSED_FUNCTION_PREFIXES.some((p) => lower.startsWith(p));
}

function describe(token: Token | undefined): string {
  if (!token) return '';
  return token.kind === 'literal' ? 'a literal' : token.value;
}

/**
 * Splits `sql` the way the server would, as far as a probe needs: strings, quoted names and
 * comments are single tokens (so a keyword or `;` inside them means nothing), and the dialect's
 * own quoting rules apply (MySQL's backslash escapes, PostgreSQL's dollar quotes and nested
 * comments). MySQL's executable comments (`/*! ... *\/`) run their content: refused.
 */
function tokenize(sql: string, dialect: SqlDialect): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = (offset = 0) => sql.charAt(i + offset);
  while (i < sql.length) {
    const c = at();
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && at(1) === '-' && (dialect === 'postgres' || /\s|^$/.test(at(2)))) {
      while (i < sql.length && at() !== '\n') i++;
    } else if (c === '#' && dialect === 'mysql') {
      while (i < sql.length && at() !== '\n') i++;
    } else if (c === '/' && at(1) === '*') {
      if (dialect === 'mysql' && at(2) === '!')
        throw new ProbeSyntaxError('MySQL executable comments (/*! */) run code');
      i = skipComment(sql, i, dialect === 'postgres');
    } else if (c === "'" || (c === '"' && dialect === 'mysql')) {
      // MySQL strings take backslash escapes; PostgreSQL's standard strings do not (E'...' below).
      i = skipQuoted(sql, i, c, dialect === 'mysql');
      tokens.push({ kind: 'literal' });
    } else if (c === '"' || (c === '`' && dialect === 'mysql')) {
      const end = skipQuoted(sql, i, c, false);
      tokens.push({
        kind: 'quoted-name',
        value: sql
          .slice(i + 1, end - 1)
          .split(c + c)
          .join(c),
      });
      i = end;
    } else if (c === '$' && dialect === 'postgres' && /^\$[A-Za-z_]*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0] ?? '$$';
      const end = sql.indexOf(tag, i + tag.length);
      if (end < 0) throw new ProbeSyntaxError('unterminated dollar-quoted string');
      i = end + tag.length;
      tokens.push({ kind: 'literal' });
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const start = i;
      while (i < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(at())) i++;
      const word = sql.slice(start, i);
      // PostgreSQL's E'...' strings take backslash escapes: read the string that follows as one.
      if (dialect === 'postgres' && /^[eE]$/.test(word) && at() === "'") {
        i = skipQuoted(sql, i, "'", true);
        tokens.push({ kind: 'literal' });
      } else {
        tokens.push({ kind: 'word', value: word });
      }
    } else if (/[0-9.]/.test(c)) {
      while (i < sql.length && /[0-9.eE]/.test(at())) i++;
      tokens.push({ kind: 'literal' });
    } else {
      tokens.push({ kind: 'punct', value: c });
      i++;
    }
  }
  return tokens;
}

/** The index after the quoted text that starts at `start` (doubled quotes, and backslashes where they escape). */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  for (;;) {
    if (i >= sql.length) throw new ProbeSyntaxError(`unterminated ${quote === "'" ? 'string' : 'quoted name'}`);
    const c = sql.charAt(i);
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql.charAt(i + 1) !== quote) return i + 1;
      i += 2;
    } else {
      i++;
    }
  }
}

/** The index after the comment that starts at `start`; PostgreSQL's comments nest. */
function skipComment(sql: string, start: number, nested: boolean): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth = nested ? depth + 1 : 1;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  throw new ProbeSyntaxError('unterminated comment');
}
