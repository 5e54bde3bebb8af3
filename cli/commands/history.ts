import { Command } from 'commander';
import { secretHistory } from '../history';
import { ExitCode } from '../output/exit-codes';
import { historyDocument, historyLines } from '../output/history';
import type { CommandRunner } from '../context';
import { integerIn } from '../options';
import { secretRecordsDeps } from './state-machines';

export function historyCommand(run: CommandRunner): Command {
  return new Command('history')
    .description("a secret's rotations over time, from the state machines' executions and the audit log")
    .argument('<secret>', 'the secret: name or ARN')
    .option('--limit <n>', 'rotations to show, newest first', integerIn(1, 10000), 20)
    .option('--scan <n>', 'executions to look through per state machine', integerIn(1, 5000), 200)
    .addHelpText(
      'after',
      '\nExecutions and audit events are merged by execution ARN; rotations older than Step Functions keeps\n' +
        'executions (90 days) come from the audit log alone.\n\n' +
        'Examples:\n  keyturn history orders-db --limit 5\n  keyturn history orders-db --json\n\nExit codes: 0 success, 1 failed.',
    )
    .action(async (secretId: string, options: { limit: number; scan: number }, command: Command) =>
      run(command, async (ctx) => {
        const history = await secretHistory(await secretRecordsDeps(ctx, options.scan), secretId, options.limit);
        ctx.reporter.result(historyDocument(history), historyLines(history, ctx.reporter.colors));
        return ExitCode.Success;
      }),
    );
}
