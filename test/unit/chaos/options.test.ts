import { ChaosUsageError, parseChaosOptions } from '../../chaos/options';
import { SCENARIO_KINDS } from '../../chaos/scenario';

describe('npm run chaos options', () => {
  it('defaults to a thousand scenarios of every kind, three at a time, with a fresh seed', () => {
    const options = parseChaosOptions([]);
    expect(options).toMatchObject({
      scenarios: 1000,
      kinds: SCENARIO_KINDS,
      concurrency: 3,
      selfTest: false,
      trace: false,
    });
    expect(options.seed).toMatch(/^[0-9a-f]{8}$/);
    expect(options.only).toBeUndefined();
  });

  it('takes a seed, a count, one scenario to replay, kinds and concurrency', () => {
    expect(
      parseChaosOptions([
        '--seed',
        'abc',
        '--scenarios',
        '20',
        '--only',
        '7',
        '--kinds',
        'redis,lifecycle',
        '--concurrency',
        '2',
      ]),
    ).toEqual({
      seed: 'abc',
      scenarios: 20,
      only: 7,
      kinds: ['redis', 'lifecycle'],
      kindsArgument: 'redis,lifecycle',
      repeat: 1,
      concurrency: 2,
      selfTest: false,
      trace: false,
    });
    expect(parseChaosOptions(['--self-test']).selfTest).toBe(true);
    expect(parseChaosOptions(['--only', '3', '--repeat', '10'])).toMatchObject({ only: 3, repeat: 10 });
  });

  it('refuses what it cannot use, naming the problem', () => {
    expect(() => parseChaosOptions(['--kinds', 'mongo'])).toThrow(/unknown kind\(s\) mongo/);
    expect(() => parseChaosOptions(['--scenarios', '0'])).toThrow(ChaosUsageError);
    expect(() => parseChaosOptions(['--only', 'x'])).toThrow(/--only must be a whole number/);
    expect(() => parseChaosOptions(['--seed', 'a b'])).toThrow(/--seed/);
    expect(() => parseChaosOptions(['--scenaros', '3'])).toThrow(ChaosUsageError);
    expect(() => parseChaosOptions(['--repeat', '3'])).toThrow(/--repeat needs --only/);
  });
});
