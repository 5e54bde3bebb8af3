import { Command } from 'commander';
import type { CommandRunner } from '../context';
import { DEFAULT_ACCESS_KEY_MAX_AGE_DAYS } from '../discover/discover';
import { integerIn } from '../options';
import { discoverCommand } from './discover';

/** `keyturn discover` on the command line: the program's options around the discover command (docs/discover.md). */
export function discoverCliCommand(run: CommandRunner): Command {
  return new Command('discover')
    .description('what the account has that nothing rotates, with the policy entries that would adopt it')
    .option(
      '--access-key-max-age-days <n>',
      'report IAM users’ active access keys older than this',
      integerIn(0, 100_000),
      DEFAULT_ACCESS_KEY_MAX_AGE_DAYS,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  keyturn discover\n  keyturn discover --access-key-max-age-days 180 --json > unrotated.json\n\n' +
        'Exit codes: 0 nothing found, 3 found something to adopt, 1 failed, 2 usage error. Docs: docs/discover.md',
    )
    .action(async (options: { accessKeyMaxAgeDays: number }, command: Command) =>
      run(command, async (ctx) => {
        const result = await discoverCommand(
          { secretsManager: ctx.aws.secretsManager, iam: ctx.aws.iam, kms: ctx.aws.kms, now: () => new Date() },
          { json: ctx.reporter.json, accessKeyMaxAgeDays: options.accessKeyMaxAgeDays },
        );
        ctx.io.stdout.write(result.stdout);
        return result.exitCode;
      }),
    );
}
