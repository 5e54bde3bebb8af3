import { Command } from 'commander';
import { ExitCode } from '../output/exit-codes';
import { statusDocument, statusLines } from '../output/status';
import type { CommandRunner } from '../context';
import { integerIn } from '../options';
import { secretStatus } from '../status';
import { secretRecordsDeps } from './state-machines';

export function statusCommand(run: CommandRunner): Command {
  return new Command('status')
    .description(
      'where a secret stands: versions and labels, last and next rotation, the last run and its audit events',
    )
    .argument('<secret>', 'the secret: name or ARN')
    .option('--scan <n>', 'executions to look through per state machine for the last run', integerIn(1, 5000), 200)
    .addHelpText(
      'after',
      '\nAlso tells whether the last rotation left the old credential in use, and a stuck AWSPENDING with how to resolve it.\n\n' +
        'Examples:\n  keyturn status orders-db\n  keyturn status arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders-db-AbCdEf --json\n\n' +
        'Exit codes: 0 no findings, 3 findings (stuck AWSPENDING, old credential left in use, last run failed, rotation off), 1 failed.',
    )
    .action(async (secretId: string, options: { scan: number }, command: Command) =>
      run(command, async (ctx) => {
        const status = await secretStatus(await secretRecordsDeps(ctx, options.scan), secretId);
        ctx.reporter.result(statusDocument(status), statusLines(status, ctx.reporter.colors));
        return status.findings.length === 0 ? ExitCode.Success : ExitCode.Findings;
      }),
    );
}
