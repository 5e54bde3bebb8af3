/**
 * The time a server wrote a log line, read from the line's own prefix: what the RDS log export
 * gives each event. Undefined when the line carries no time (a continuation line), so the caller
 * uses the time the line arrived.
 */
export type LineTimestamp = (line: string) => number | undefined;

/** PostgreSQL with RDS's `log_line_prefix` `%t:%r:%u@%d:[%p]:` and `log_timezone` UTC: `2024-05-01 12:00:00 UTC:...`. */
export const postgresLineTimestamp: LineTimestamp = (line) => {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))? UTC:/.exec(line);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms] = match;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms ?? 0));
};

/**
 * MariaDB / MySQL error log: MariaDB writes `2024-05-01 12:00:00 3 [Warning] ...` in the server's
 * local time zone (this process's, as the local server runs beside it); MySQL 8 writes
 * `2024-05-01T12:00:00.123456Z 3 [Note] ...` in UTC (`log_timestamps=UTC`, RDS's setting).
 */
export const mysqlLineTimestamp: LineTimestamp = (line) => {
  const utc = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z /.exec(line);
  if (utc) {
    const [, y, mo, d, h, mi, s, fraction] = utc;
    const ms = Number((fraction ?? '0').padEnd(3, '0').slice(0, 3));
    return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  }
  const local = /^(\d{4})-(\d{2})-(\d{2}) {1,2}(\d{1,2}):(\d{2}):(\d{2}) /.exec(line);
  if (!local) return undefined;
  const [, y, mo, d, h, mi, s] = local;
  return new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)).getTime();
};
