import { Command } from 'commander';
import { cancelExecution } from '../cancel';
import { ExitCode } from '../output/exit-codes';
import { cancelLines } from '../output/cancel';
import type { CommandRunner } from '../context';

export function cancelCommand(run: CommandRunner): Command {
  return new Command('cancel')
    .description('stop a running lifecycle or emergency execution, and say what it leaves behind')
    .argument('<execution>', 'the execution ARN (as rotate, status and history print it)')
    .addHelpText(
      'after',
      '\nThe stop is recorded with your user name as its cause. The lifecycle is crash-safe: at worst a stop\n' +
        'leaves an AWSPENDING version to clean up or an old credential not yet revoked; the output says which.\n\n' +
        'Example:\n  keyturn cancel arn:aws:states:eu-west-1:111122223333:execution:Keyturn-Lifecycle:cli-on-demand-1f2e…\n\n' +
        'Exit codes: 0 stopped (or had already ended), 3 stopped and left an AWSPENDING to clean up, 1 failed.',
    )
    .action(async (executionArn: string, _options: object, command: Command) =>
      run(command, async (ctx) => {
        const result = await cancelExecution(
          { sfn: ctx.aws.sfn, secretsManager: ctx.aws.secretsManager, operator: ctx.operator },
          executionArn,
        );
        ctx.reporter.result({ command: 'cancel', ...result }, cancelLines(result, ctx.reporter.colors));
        return result.stuckPending === undefined ? ExitCode.Success : ExitCode.Findings;
      }),
    );
}
