import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  batchLogEvents,
  LogFileTail,
  mysqlLineTimestamp,
  postgresLineTimestamp,
  rdsLogGroupName,
  truncateMessage,
} from '../../../local/logexport';
import { authFailureLogType } from '../../../local/logexport/rds-log-groups';
import { AuthFailureCounter } from '../../../local/elasticache/auth-failure-counter';
import { parseAclLog, type AclLogEntry } from '../../../local/elasticache/acl-log';

describe('LogFileTail', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyturn-tail-'));
    file = join(dir, 'server.log');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads nothing from a file that does not exist yet, then its lines once it does', async () => {
    const tail = new LogFileTail(file);
    expect(await tail.readLines()).toEqual([]);
    await writeFile(file, 'one\ntwo\n');
    expect(await tail.readLines()).toEqual(['one', 'two']);
    expect(await tail.readLines()).toEqual([]);
  });

  it('holds a line back until its newline arrives, also when a character is split between reads', async () => {
    const tail = new LogFileTail(file);
    const euro = Buffer.from('€', 'utf8');
    await writeFile(file, Buffer.concat([Buffer.from('first\nsec'), euro.subarray(0, 1)]));
    expect(await tail.readLines()).toEqual(['first']);
    await appendFile(file, Buffer.concat([euro.subarray(1), Buffer.from('ond\r\nthird')]));
    expect(await tail.readLines()).toEqual(['sec€ond']);
    expect(tail.takePartialLine()).toBe('third');
    expect(tail.takePartialLine()).toBeUndefined();
  });

  it('starts at the end when asked, and reads a truncated file again from its start', async () => {
    await writeFile(file, 'old line\n');
    const tail = await LogFileTail.fromEnd(file);
    await appendFile(file, 'new line\n');
    expect(await tail.readLines()).toEqual(['new line']);
    await writeFile(file, 'after\n');
    expect(await tail.readLines()).toEqual(['after']);
  });
});

describe('log line timestamps', () => {
  it('reads RDS PostgreSQL prefixes (UTC) and skips lines without one', () => {
    const line =
      '2024-05-01 12:34:56 UTC:127.0.0.1(5000):app@db:[42]:FATAL:  password authentication failed for user "app"';
    expect(postgresLineTimestamp(line)).toBe(Date.UTC(2024, 4, 1, 12, 34, 56));
    expect(postgresLineTimestamp('\tConnection matched file "pg_hba.conf" line 1')).toBeUndefined();
  });

  it("reads MySQL 8's UTC stamps and MariaDB's local ones", () => {
    expect(mysqlLineTimestamp('2024-05-01T12:34:56.789012Z 8 [Note] [MY-010926] Access denied')).toBe(
      Date.UTC(2024, 4, 1, 12, 34, 56, 789),
    );
    expect(mysqlLineTimestamp("2024-05-01 12:34:56 3 [Warning] Access denied for user 'a'@'h'")).toBe(
      new Date(2024, 4, 1, 12, 34, 56).getTime(),
    );
    expect(mysqlLineTimestamp("Version: '10.11' socket: ''")).toBeUndefined();
  });
});

describe('RDS log group names', () => {
  it('names instance and cluster groups by log type', () => {
    expect(rdsLogGroupName({ kind: 'instance', identifier: 'Orders-PG' }, 'postgresql')).toBe(
      '/aws/rds/instance/orders-pg/postgresql',
    );
    expect(rdsLogGroupName({ kind: 'cluster', identifier: 'shop' }, 'error')).toBe('/aws/rds/cluster/shop/error');
    expect(authFailureLogType('aurora-postgresql')).toBe('postgresql');
    expect(authFailureLogType('mariadb')).toBe('error');
    expect(authFailureLogType('oracle-ee')).toBeUndefined();
  });
});

describe('batchLogEvents', () => {
  it('orders events by time, keeping the order of equal times, and drops empty messages', () => {
    const batches = batchLogEvents([
      { timestamp: 2, message: 'b' },
      { timestamp: 1, message: 'a1' },
      { timestamp: 1, message: '' },
      { timestamp: 1, message: 'a2' },
    ]);
    expect(batches).toEqual([
      [
        { timestamp: 1, message: 'a1' },
        { timestamp: 1, message: 'a2' },
        { timestamp: 2, message: 'b' },
      ],
    ]);
  });

  it('splits at 10,000 events, at 1,048,576 bytes with 26 per event, and at a 24 hour span', () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({ timestamp: i, message: 'x' }));
    expect(batchLogEvents(many).map((b) => b.length)).toEqual([10_000, 1]);

    const big = 'y'.repeat(100_000 - 26);
    const sized = Array.from({ length: 11 }, (_, i) => ({ timestamp: i, message: big }));
    expect(batchLogEvents(sized).map((b) => b.length)).toEqual([10, 1]);

    const day = 24 * 60 * 60 * 1000;
    const spread = [0, day, day + 1].map((timestamp) => ({ timestamp, message: 'z' }));
    expect(batchLogEvents(spread).map((b) => b.length)).toEqual([2, 1]);
  });

  it('cuts a message over 256 KB at a character boundary', () => {
    const cut = truncateMessage('é'.repeat(200_000));
    expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(256 * 1024 - 26);
    expect(cut).toMatch(/^é+$/);
    expect(truncateMessage('short')).toBe('short');
  });
});

describe('AuthFailureCounter over ACL LOG reads', () => {
  const entry = (username: string, count: number, more: Partial<AclLogEntry> = {}): AclLogEntry => ({
    count,
    reason: 'auth',
    context: 'toplevel',
    object: 'AUTH',
    username,
    ageSeconds: 0.1,
    ...more,
  });

  it('takes the first read as the baseline, then counts the growth per user', () => {
    const counter = new AuthFailureCounter();
    expect(counter.observe([entry('app', 4)])).toEqual({ total: 0, byUser: {} });
    expect(counter.observe([entry('app', 6), entry('ghost', 1)])).toEqual({ total: 3, byUser: { app: 2, ghost: 1 } });
    expect(counter.observe([entry('app', 6), entry('ghost', 1)])).toEqual({ total: 0, byUser: {} });
  });

  it('adds a new group of the same user to its total, and counts a reset log as new', () => {
    const counter = new AuthFailureCounter();
    counter.observe([entry('app', 2)]);
    expect(counter.observe([entry('app', 1), entry('app', 2)]).total).toBe(1);
    expect(counter.observe([entry('app', 1)]).byUser).toEqual({ app: 1 });
  });

  it('ignores denials other than authentication, and follows entry ids where Redis has them', () => {
    const counter = new AuthFailureCounter();
    counter.observe([entry('app', 1, { entryId: 7 })]);
    const found = counter.observe([
      entry('app', 1, { entryId: 8 }),
      entry('app', 3, { entryId: 7 }),
      entry('app', 5, { reason: 'command', object: 'get' }),
    ]);
    expect(found).toEqual({ total: 3, byUser: { app: 3 } });
  });

  it('parses the ACL LOG reply and refuses another shape', () => {
    const reply = [
      ['count', 2, 'reason', 'auth', 'context', 'toplevel', 'object', 'AUTH', 'username', 'app', 'age-seconds', '0.5'],
    ];
    expect(parseAclLog(reply)).toEqual([
      { count: 2, reason: 'auth', context: 'toplevel', object: 'AUTH', username: 'app', ageSeconds: 0.5 },
    ]);
    expect(() => parseAclLog('OK')).toThrow(TypeError);
  });
});
