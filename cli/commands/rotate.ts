import { Command } from 'commander';
import type { CommandRunner } from '../context';
import { describeSecret } from '../secrets';
import { StackOutput } from '../stack-outputs';
import { startAndFollow } from './follow-run';

interface RotateOptions {
  readonly wait?: boolean;
  readonly dryRun?: boolean;
  readonly reason?: string;
}

export function rotateCommand(run: CommandRunner): Command {
  return new Command('rotate')
    .description('rotate one secret now: start its lifecycle and follow it state by state')
    .argument('<secret>', 'the secret: name or ARN')
    .option('--wait', 'follow through grace and drain waits to the end, and exit with the result')
    .option('--dry-run', 'run pre-flight only and print the plan; change nothing')
    .option('--reason <text>', 'why (a ticket): kept in the audit trail')
    .addHelpText(
      'after',
      '\nWithout --wait the command returns once the run reaches its grace or drain wait (the run goes on).\n\n' +
        'Examples:\n  keyturn rotate orders-db\n  keyturn rotate orders-db --wait --reason CHG-1234\n  keyturn rotate orders-db --dry-run --json\n\n' +
        'Exit codes: 0 rotated (or still running, without --wait), 3 rotated but the old credential was left in use, ' +
        'or skipped by a policy rule, 1 failed, 2 usage error.',
    )
    .action(async (secretId: string, options: RotateOptions, command: Command) =>
      run(command, async (ctx) => {
        const secret = await describeSecret(ctx.aws.secretsManager, secretId);
        const outputs = await ctx.stackOutputs();
        return startAndFollow(ctx, {
          command: 'rotate',
          stateMachine: 'lifecycle',
          stateMachineArn: outputs.require(StackOutput.Lifecycle),
          request: {
            secretArn: secret.arn,
            trigger: 'on-demand',
            ...(options.reason === undefined ? {} : { reason: options.reason }),
            ...(options.dryRun === true ? { dryRun: true } : {}),
          },
          wait: options.wait === true,
          secretName: secret.name,
        });
      }),
    );
}
