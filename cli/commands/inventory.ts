import { Command } from 'commander';
import { DEFAULT_STUCK_PENDING_AFTER_SECONDS } from '../../functions/inventory/secrets-inventory';
import type { CommandRunner } from '../context';
import { cliInventory, INVENTORY_FILTERS, type InventoryFilter } from '../inventory';
import { integerIn } from '../options';
import { ExitCode } from '../output/exit-codes';
import { inventoryDocument, inventoryLines } from '../output/inventory';
import { policyFileFor } from '../policy-consumers';

interface InventoryOptions {
  readonly overdue?: boolean;
  readonly stuck?: boolean;
  readonly unmanaged?: boolean;
  readonly policy?: string;
  readonly stuckAfter: number;
}

export function inventoryCommand(run: CommandRunner): Command {
  return new Command('inventory')
    .description(
      'every managed secret and policy key with owner, kind, last rotation and due date, and what is wrong with them',
    )
    .option('--overdue', 'only what is older than its schedule allows')
    .option('--stuck', 'only versions stuck in AWSPENDING')
    .option(
      '--unmanaged',
      'only secrets with keyturn tags nobody manages, managed secrets not in the policy, and policy secrets missing',
    )
    .option('--policy <file>', 'the policy file to compare with (default: as cdk.json names it)')
    .option(
      '--stuck-after <seconds>',
      'how long a version may hold AWSPENDING before it counts as stuck',
      integerIn(1, 31_536_000),
      DEFAULT_STUCK_PENDING_AFTER_SECONDS,
    )
    .addHelpText(
      'after',
      '\nReads only (ListSecrets, DescribeSecret, ListSecretVersionIds, DescribeKey, ListKeyRotations): it never resolves what it finds.\n' +
        'Findings and the JSON shape: docs/inventory.md.\n\n' +
        'Examples:\n  keyturn inventory\n  keyturn inventory --overdue --stuck --json\n\n' +
        'Exit codes: 0 no findings, 3 findings, 1 failed, 2 usage error.',
    )
    .action(async (options: InventoryOptions, command: Command) =>
      run(command, async (ctx) => {
        const filters = (Object.keys(INVENTORY_FILTERS) as InventoryFilter[]).filter((f) => options[f] === true);
        const result = await cliInventory(
          {
            secretsManager: ctx.aws.secretsManager,
            kms: ctx.aws.kms,
            policyFile: { path: policyFileFor(options.policy), explicit: options.policy !== undefined },
            stuckPendingAfterSeconds: options.stuckAfter,
            now: new Date(),
          },
          filters,
        );
        ctx.reporter.result(inventoryDocument(result), inventoryLines(result, ctx.reporter.colors));
        return result.inventory.findings.length === 0 ? ExitCode.Success : ExitCode.Findings;
      }),
    );
}
