import { parseArgs } from 'node:util';
import { newSeed } from './prng';
import { isScenarioKind, SCENARIO_KINDS, type ScenarioKind } from './scenario';

/** `npm run chaos -- [--seed S] [--scenarios N] [--only N] [--kinds a,b] [--concurrency C] [--self-test]` */
export interface ChaosOptions {
  readonly seed: string;
  readonly scenarios: number;
  readonly only?: number;
  /** Runs `only` this many times (timing-dependent problems may need several tries). */
  readonly repeat: number;
  readonly kinds: readonly ScenarioKind[];
  /** As given, to repeat in replay commands (undefined: every kind). */
  readonly kindsArgument?: string;
  readonly concurrency: number;
  readonly selfTest: boolean;
  /** Print every scenario's trace, not only a replay's. */
  readonly trace: boolean;
}

export const USAGE = `usage: npm run chaos -- [options]
  --seed S          the run's seed (default: a new one, printed)
  --scenarios N     scenarios 1..N (default 1000)
  --only N          replay scenario N of the seed alone, with its trace
  --repeat R        with --only: run it R times (races depend on timing; default 1)
  --kinds a,b       only these kinds: ${SCENARIO_KINDS.join(', ')} (a replay needs the same list)
  --concurrency C   scenarios at once (default 3)
  --self-test       plant each violation in a clean scenario and check the checker finds it
  --trace           print what every scenario did (errors with secret values redacted)`;

export class ChaosUsageError extends Error {
  override readonly name = 'ChaosUsageError';
}

function positiveInteger(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new ChaosUsageError(`${option} must be a whole number of at least 1, not ${text}`);
  return value;
}

export function parseChaosOptions(argv: readonly string[]): ChaosOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        seed: { type: 'string' },
        scenarios: { type: 'string' },
        only: { type: 'string' },
        repeat: { type: 'string' },
        kinds: { type: 'string' },
        concurrency: { type: 'string' },
        'self-test': { type: 'boolean', default: false },
        trace: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new ChaosUsageError((error as Error).message);
  }
  const kinds = parsed.kinds
    ?.split(',')
    .map((kind) => kind.trim())
    .filter(Boolean) ?? [...SCENARIO_KINDS];
  const unknown = kinds.filter((kind) => !isScenarioKind(kind));
  if (unknown.length > 0 || kinds.length === 0) {
    throw new ChaosUsageError(
      `--kinds: unknown kind(s) ${unknown.join(', ') || '(none given)'}; known: ${SCENARIO_KINDS.join(', ')}`,
    );
  }
  if (parsed.repeat !== undefined && parsed.only === undefined) throw new ChaosUsageError('--repeat needs --only');
  if (parsed.seed !== undefined && !/^[\w-]{1,64}$/.test(parsed.seed)) {
    throw new ChaosUsageError('--seed must be 1 to 64 letters, digits, - or _');
  }
  return {
    seed: parsed.seed ?? newSeed(),
    scenarios: positiveInteger(parsed.scenarios, '--scenarios', 1000),
    ...(parsed.only === undefined ? {} : { only: positiveInteger(parsed.only, '--only', 1) }),
    repeat: positiveInteger(parsed.repeat, '--repeat', 1),
    kinds: kinds.filter(isScenarioKind),
    ...(parsed.kinds === undefined ? {} : { kindsArgument: parsed.kinds }),
    concurrency: positiveInteger(parsed.concurrency, '--concurrency', 3),
    selfTest: parsed['self-test'],
    trace: parsed.trace,
  };
}
