import { readOnlySqlProblem } from '../../../../functions/strategies/probe/read-only-sql';

describe('a SQL probe is one read-only query', () => {
  it.each([
    ['SELECT 1', 'postgres'],
    ['select id from app.orders where id > 0 limit 1;', 'postgres'],
    ['WITH recent AS (SELECT id FROM orders) SELECT count(*) FROM recent', 'postgres'],
    ['VALUES (1)', 'postgres'],
    ['TABLE app.orders', 'postgres'],
    ['(SELECT 1)', 'postgres'],
    ["SELECT 'DELETE; DROP TABLE x' AS text", 'postgres'],
    ['SELECT "update" FROM t', 'postgres'],
    ['SELECT $$ ; INSERT INTO t VALUES (1) $$', 'postgres'],
    ['SELECT $body$ ; DELETE FROM t $body$', 'postgres'],
    ['SELECT 1 /* a comment; DELETE /* nested */ still comment */', 'postgres'],
    ['SELECT 1 -- ; DELETE FROM t', 'postgres'],
    ["SELECT E'it\\'s ; DELETE' ", 'postgres'],
    ["SELECT replace(name, 'a', 'b') FROM t", 'postgres'],
    ['SELECT `id` FROM `orders` LIMIT 1', 'mysql'],
    ["SELECT 'it\\'s; DELETE FROM t'", 'mysql'],
    ['SELECT 1 # ; DELETE FROM t', 'mysql'],
    ['SELECT /*+ MAX_EXECUTION_TIME(100) */ id FROM orders', 'mysql'],
  ] as const)('accepts %s (%s)', (sql, dialect) => {
    expect(readOnlySqlProblem(sql, dialect)).toBeUndefined();
  });

  it.each([
    ['', 'postgres', 'is empty'],
    ['   ;', 'postgres', 'is empty'],
    ['DELETE FROM t', 'postgres', 'must be a query'],
    ['EXPLAIN ANALYZE DELETE FROM t', 'postgres', 'must be a query'],
    ['SELECT 1; SELECT 2', 'postgres', 'more than one statement'],
    ['SELECT 1;;', 'postgres', 'more than one statement'],
    ['SELECT * INTO t2 FROM t', 'postgres', 'uses INTO'],
    ['SELECT * FROM t FOR SHARE', 'postgres', 'uses SHARE'],
    ['SELECT * FROM t FOR NO KEY UPDATE', 'postgres', 'uses UPDATE'],
    ['SELECT * FROM t LOCK IN SHARE MODE', 'mysql', 'uses LOCK'],
    ['WITH x AS (INSERT INTO t VALUES (1) RETURNING id) SELECT * FROM x', 'postgres', 'uses INSERT'],
    ["SELECT set_config('role', 'admin', false)", 'postgres', 'calls set_config()'],
    ['SELECT "nextval"(\'s\')', 'postgres', 'calls nextval()'],
    ['SELECT pg_catalog.pg_sleep(10)', 'postgres', 'calls pg_sleep()'],
    ['SELECT pg_advisory_lock(1)', 'postgres', 'calls pg_advisory_lock()'],
    ['SELECT pg_terminate_backend(123)', 'postgres', 'calls pg_terminate_backend()'],
    ['SELECT SLEEP(5)', 'mysql', 'calls SLEEP()'],
    ['SELECT `get_lock`(1, 1)', 'mysql', 'calls get_lock()'],
    ['SELECT 1 /*! ; DROP TABLE t */', 'mysql', 'executable comments'],
    ["SELECT 'unterminated", 'postgres', 'unterminated string'],
    ['SELECT $$ unterminated', 'postgres', 'unterminated dollar-quoted'],
    ['SELECT 1 /* open', 'postgres', 'unterminated comment'],
    // In PostgreSQL a backslash does not escape a quote in a standard string: the ; is outside it.
    ["SELECT 'a\\'; DELETE FROM t; --'", 'postgres', 'more than one statement'],
  ] as const)('refuses %j (%s): %s', (sql, dialect, why) => {
    expect(readOnlySqlProblem(sql, dialect)).toContain(why);
  });
});
