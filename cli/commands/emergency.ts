import { Command } from 'commander';
import { confirm, requireConfirmable } from '../confirm';
import type { CommandContext } from '../context';
import { followExecution } from '../executions/follow';
import { runResultOf } from '../executions/outcome';
import { startRun } from '../executions/start';
import { emergencyWarningLines } from '../output/emergency';
import { CliError } from '../output/errors';
import { ExitCode, type ExitCodeValue } from '../output/exit-codes';
import { planLines } from '../output/run';
import { consumersOf, policyFileFor } from '../policy-consumers';
import type { CommandRunner } from '../context';
import { describeSecret } from '../secrets';
import { StackOutput } from '../stack-outputs';
import { startAndFollow } from './follow-run';

interface EmergencyOptions {
  readonly reason: string;
  readonly yes?: boolean;
  readonly dryRun?: boolean;
  readonly policy?: string;
}

async function emergency(ctx: CommandContext, secretId: string, options: EmergencyOptions): Promise<ExitCodeValue> {
  const { reporter } = ctx;
  const preview = options.dryRun === true;
  if (!preview) requireConfirmable(ctx.io, options.yes === true, 'an emergency rotation');
  const secret = await describeSecret(ctx.aws.secretsManager, secretId);
  const stateMachineArn = (await ctx.stackOutputs()).require(StackOutput.Emergency);
  const consumers = consumersOf(policyFileFor(options.policy), secret);
  const request = { secretArn: secret.arn, trigger: 'emergency' as const, reason: options.reason };

  // What will happen: the emergency state machine's own dry run (pre-flight only, nothing changed).
  const planRun = await startRun(ctx.aws.sfn, stateMachineArn, { ...request, dryRun: true });
  const planEnd = await followExecution(ctx.aws.sfn, planRun.executionArn, { pollMs: ctx.pollMs });
  const plan = runResultOf(planEnd.execution);
  const warning = emergencyWarningLines(secret.name, consumers, reporter.colors);
  const planText = plan.plan === undefined ? [] : ['plan:', ...planLines(plan.plan).map((l) => `  ${l}`)];
  if (plan.outcome !== 'planned') {
    throw new CliError(
      `pre-flight refused the emergency rotation of ${secret.name}: ${plan.error ?? plan.outcome}` +
        (plan.cause === undefined ? '' : ` (${plan.cause})`) +
        `; nothing was changed (dry run ${planRun.executionArn})`,
    );
  }
  if (preview) {
    reporter.result(
      {
        command: 'emergency',
        secretArn: secret.arn,
        executionArn: planRun.executionArn,
        stateMachine: 'emergency',
        dryRun: true,
        status: planEnd.execution.status ?? 'UNKNOWN',
        outcome: 'planned',
        states: [],
        plan: plan.plan,
        consumers,
        next: `keyturn emergency ${secret.name} --reason ${JSON.stringify(options.reason)}`,
      },
      [...warning, ...planText, reporter.colors.green('dry run: nothing was changed')],
    );
    return ExitCode.Success;
  }
  for (const line of [...warning, ...planText]) reporter.note(line);
  if (options.yes !== true && !(await confirm(ctx.io, `Rotate ${secret.name} as an emergency now?`))) {
    reporter.note('cancelled: nothing was started');
    return ExitCode.Failed;
  }
  return startAndFollow(ctx, {
    command: 'emergency',
    stateMachine: 'emergency',
    stateMachineArn,
    request,
    wait: true,
    secretName: secret.name,
  });
}

export function emergencyCommand(run: CommandRunner): Command {
  return new Command('emergency')
    .description(
      'rotate a secret suspected leaked: no grace, revoke the old credential as soon as the new one verifies',
    )
    .argument('<secret>', 'the secret: name or ARN')
    .requiredOption('--reason <text>', 'why (the incident): kept in the audit trail and the alert')
    .option('--yes', 'do not ask to confirm (for scripts)')
    .option('--dry-run', 'show what would happen (pre-flight and the consumers), change nothing')
    .option('--policy <file>', "the policy file naming the secret's consumers (default: cdk.json's policy)")
    .addHelpText(
      'after',
      '\nFirst shows what will happen (the plan and the consumers that lose the old credential) and asks to\n' +
        'confirm; without a terminal, --yes is required.\n\n' +
        'Examples:\n  keyturn emergency orders-db --reason INC-4711\n  keyturn emergency orders-db --reason INC-4711 --yes --json\n\n' +
        'Exit codes: 0 rotated and revoked, 1 failed or not confirmed, 2 usage error.',
    )
    .action(async (secretId: string, options: EmergencyOptions, command: Command) =>
      run(command, (ctx) => emergency(ctx, secretId, options)),
    );
}
