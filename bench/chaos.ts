import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * keyturn's chaos suite (test/chaos/, `npm run chaos`), the full run of 1,000 scenarios, as the
 * bench's figures: chaos_scenarios, and chaos_lockouts, chaos_lost_versions and chaos_leaks, which
 * must be 0 (and the suite's other counts). The seed is fixed (`bench`), so two bench runs measure
 * the same scenarios; `npm run chaos` draws a new seed each time. Runs in a process of its own
 * (it starts its own local stack); its progress and findings go to stderr.
 */

/** The bench's seed: every bench run replays the same thousand scenarios. */
export const CHAOS_BENCH_SEED = 'bench';
const CHAOS_BENCH_SCENARIOS = 1000;

export function measureChaos(scenarios = CHAOS_BENCH_SCENARIOS): Promise<Record<string, number>> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(__dirname, '..', 'test', 'chaos', 'main.ts'),
      '--seed',
      CHAOS_BENCH_SEED,
      '--scenarios',
      String(scenarios),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stdout += text;
    // Findings and the summary are for people too.
    process.stderr.write(text);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      // 1 means an invariant was broken: a figure, not a bench failure.
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 && code !== 1) {
        reject(new Error(`the chaos suite failed (exit code ${String(code)})`));
        return;
      }
      try {
        const figures = JSON.parse(last) as Record<string, unknown>;
        resolve(
          Object.fromEntries(
            Object.entries(figures).filter((entry): entry is [string, number] => typeof entry[1] === 'number'),
          ),
        );
      } catch {
        reject(new Error('the chaos suite did not end with its JSON line of figures'));
      }
    });
  });
}
