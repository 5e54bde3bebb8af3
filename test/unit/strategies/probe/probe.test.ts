import { InvalidStrategyOptionError } from '../../../../functions/strategies/errors';
import { encodeProbe, probeFromTags, probeProblem, PROBE_TAG } from '../../../../functions/strategies/probe/probe';
import { readOnlyRedisProblem } from '../../../../functions/strategies/probe/read-only-redis';

const PG = { engine: 'sql', dialect: 'postgres' } as const;

describe('probe tags', () => {
  it('round-trip a probe through a value made of tag characters only', () => {
    const probe = { sql: `SELECT "a'b" FROM t WHERE x = 'é'` };
    const tags = { [PROBE_TAG]: encodeProbe(probe) };
    expect(tags[PROBE_TAG]).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(probeFromTags(tags, PG)).toEqual(probe);
  });

  it('means no probe when the tag is absent or empty', () => {
    expect(probeFromTags({}, PG)).toBeUndefined();
    expect(probeFromTags({ [PROBE_TAG]: ' ' }, PG)).toBeUndefined();
  });

  it('refuses a tag edited into a write, or into something unreadable, before anything runs', () => {
    const write = { [PROBE_TAG]: encodeProbe({ sql: 'UPDATE t SET x = 1' }) };
    expect(() => probeFromTags(write, PG)).toThrow(InvalidStrategyOptionError);
    expect(() => probeFromTags(write, PG)).toThrow(/must be a query/);
    expect(() => probeFromTags({ [PROBE_TAG]: 'bm90IGpzb24=' }, PG)).toThrow(/not base64 of a probe/);
    expect(() => probeFromTags({ [PROBE_TAG]: encodeProbe({ redis: ['GET', 'k'] }) }, PG)).toThrow(/takes SQL/);
  });

  it('refuses a probe that would not fit one tag once encoded', () => {
    const quotes = `SELECT '${'"'.repeat(150)}'`;
    expect(probeProblem({ sql: quotes }, PG)).toMatch(/a tag holds 256/);
  });
});

describe('a Redis probe is one read-only command', () => {
  it.each([[['GET', 'k']], [['ping']], [['HGET', 'h', 'f']], [['EXISTS', 'a', 'b']]])('accepts %j', (command) => {
    expect(readOnlyRedisProblem(command)).toBeUndefined();
  });

  it.each([
    [[], 'is empty'],
    [['SET', 'k', 'v'], 'a probe may run only'],
    [['EVAL', 'return 1', '0'], 'a probe may run only'],
    [['CONFIG', 'GET', '*'], 'a probe may run only'],
    [['GET'], 'takes 1'],
    [['GET', 'a', 'b'], 'takes 1'],
  ])('refuses %j: %s', (command, why) => {
    expect(readOnlyRedisProblem(command)).toContain(why);
  });
});
