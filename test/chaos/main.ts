import { randomBytes } from 'node:crypto';
import { startChaosEnvironment } from './environment';
import { ChaosUsageError, parseChaosOptions, USAGE } from './options';
import {
  benchFigures,
  distinctProblems,
  formatFinding,
  formatSelfTest,
  formatSummary,
  formatTrace,
  summarize,
} from './report';
import { runSelfTest, runSuite } from './suite';

/**
 * `npm run chaos`: keyturn's own chaos suite. Prints the seed first, each violation as it is found
 * with the command that replays it, a summary, and last one JSON line of figures. Exits 1 when an
 * invariant was broken (or the self-test missed a plant), 2 on a usage error.
 */
async function main(): Promise<number> {
  const options = parseChaosOptions(process.argv.slice(2));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(
    options.selfTest
      ? 'chaos: self-test of the invariant checker'
      : `chaos: seed ${options.seed}${options.only === undefined ? `, ${options.scenarios} scenarios` : `, scenario ${options.only}${options.repeat > 1 ? ` ${options.repeat} times` : ''}`}, kinds ${options.kinds.join(', ')}, ${options.concurrency} at a time`,
  );
  const env = await startChaosEnvironment(randomBytes(3).toString('hex'));
  // Interrupted: stop the servers and function processes this run started, then leave.
  process.once('SIGINT', () => {
    say('chaos: interrupted, stopping the servers and function processes');
    void env.stop().finally(() => process.exit(130));
  });
  env.capture.start();
  const print = (line: string) => {
    env.capture.write(`${line}\n`);
  };
  try {
    if (options.selfTest) {
      const outcomes = await runSelfTest(env, options.concurrency);
      print('chaos self-test: every planted violation must be found, and clean scenarios must show none');
      for (const line of formatSelfTest(outcomes)) print(line);
      const missed = outcomes.filter((outcome) => !outcome.passed).length;
      print(JSON.stringify({ chaos_self_test_cases: outcomes.length, chaos_self_test_failures: missed }));
      return missed === 0 ? 0 : 1;
    }
    const started = Date.now();
    let done = 0;
    const total = options.only === undefined ? options.scenarios : options.repeat;
    const results = await runSuite(env, {
      ...options,
      onResult: (result) => {
        done += 1;
        for (const line of formatFinding(result, options.kindsArgument)) print(line);
        if (options.trace && options.only === undefined) for (const line of formatTrace(result)) print(line);
        if (done % 50 === 0 || done === total)
          say(`chaos: ${done}/${total} scenarios, ${Math.round((Date.now() - started) / 1000)} s`);
      },
    });
    if (options.only !== undefined && options.repeat === 1)
      for (const line of results.flatMap(formatTrace)) print(line);
    const summary = summarize(options.seed, results, (Date.now() - started) / 1000);
    print('');
    for (const line of formatSummary(summary)) print(line);
    const problems = distinctProblems(results);
    if (problems.length > 0) {
      print('');
      print('distinct problems (invariant | kind | what | failing rotation steps and errors):');
      for (const line of problems) print(`  ${line}`);
    }
    const stats = [env.runtime.stats, env.keyRuntime.stats];
    const sumOf = (figure: 'invocations' | 'coldStarts' | 'kills') =>
      stats.reduce((sum, each) => sum + each[figure], 0);
    print(
      `  runtime: ${sumOf('invocations')} invocations, ${sumOf('coldStarts')} cold starts, ${sumOf('kills')} processes killed`,
    );
    print(JSON.stringify(benchFigures(summary)));
    return results.some((result) => result.violations.length > 0) ? 1 : 0;
  } finally {
    await env.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ChaosUsageError) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
