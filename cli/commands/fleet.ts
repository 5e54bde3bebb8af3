import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { MAX_FLEET_CONCURRENCY, type FleetRequest, type FleetSelection } from '../../functions/fleet/contract';
import type { CommandContext, CommandRunner } from '../context';
import { parseTags, readSecretList } from '../fleet/list-file';
import { BAR_FORMAT, DRY_RUN_BAR_FORMAT, progressFields, progressLine, type FleetCounts } from '../fleet/progress';
import { previewSelection } from '../fleet/selection';
import { watchFleet } from '../fleet/watch';
import { UsageError } from '../output/errors';
import { ExitCode, type ExitCodeValue } from '../output/exit-codes';
import { fleetHasFindings, fleetResultLines, type FleetDocument } from '../output/fleet';
import { integerIn, numberIn } from '../options';
import { describeSecret } from '../secrets';
import { StackOutput } from '../stack-outputs';

interface FleetOptions {
  readonly tag: string[];
  readonly file?: string;
  readonly maxConcurrency?: number;
  readonly tolerate?: number;
  readonly reason?: string;
  readonly dryRun?: boolean;
}

/** The selection the options ask for: exactly one of --tag and --file. */
async function selectionOf(ctx: CommandContext, options: FleetOptions): Promise<FleetSelection> {
  if (options.tag.length > 0 && options.file !== undefined)
    throw new UsageError('give either --tag or --file, not both');
  if (options.tag.length > 0) return { tags: parseTags(options.tag) };
  if (options.file === undefined) throw new UsageError('name the secrets: --tag KEY=VALUE (repeatable) or --file LIST');
  const ids = readSecretList(options.file);
  const arns = [];
  for (const id of ids) arns.push((await describeSecret(ctx.aws.secretsManager, id)).arn);
  return { secretArns: arns };
}

/** A live bar on a terminal, a plain line per change elsewhere. */
function progressDisplay(ctx: CommandContext, total: number, startedAt: number, dryRun: boolean) {
  const stream = ctx.reporter.json ? ctx.io.stderr : ctx.io.stdout;
  if (stream.isTTY === true) {
    const bar = new SingleBar({
      ...Presets.shades_classic,
      format: dryRun ? DRY_RUN_BAR_FORMAT : BAR_FORMAT,
      stream: stream as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
    });
    bar.start(
      total,
      0,
      progressFields({ rotated: 0, leftInUse: 0, skipped: 0, failed: 0, running: 0, wouldRotate: 0, total }, 0),
    );
    return {
      update: (counts: FleetCounts) => {
        const fields = progressFields(counts, Date.now() - startedAt);
        bar.update(fields.done, fields);
      },
      stop: () => {
        bar.stop();
      },
    };
  }
  let last = '';
  return {
    update: (counts: FleetCounts) => {
      const line = progressLine(counts, Date.now() - startedAt, dryRun);
      if (line !== last) ctx.reporter.progress(line);
      last = line;
    },
    stop: () => undefined,
  };
}

async function fleet(ctx: CommandContext, options: FleetOptions): Promise<ExitCodeValue> {
  const selection = await selectionOf(ctx, options);
  const preview = await previewSelection(ctx.aws.secretsManager, selection);
  const stateMachineArn = (await ctx.stackOutputs()).require(StackOutput.Fleet);
  const lifecycleStateMachineArn = (await ctx.stackOutputs()).require(StackOutput.Lifecycle);
  const request: FleetRequest = {
    selection,
    ...(options.maxConcurrency === undefined ? {} : { maxConcurrency: options.maxConcurrency }),
    ...(options.tolerate === undefined ? {} : { toleratedFailurePercentage: options.tolerate }),
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.dryRun === true ? { dryRun: true } : {}),
  };
  const started = await ctx.aws.sfn.send(
    new StartExecutionCommand({ stateMachineArn, name: `cli-fleet-${randomUUID()}`, input: JSON.stringify(request) }),
  );
  if (started.executionArn === undefined) throw new Error('StartExecution returned no executionArn');
  ctx.reporter.progress(
    ctx.reporter.colors.dim(`started ${started.executionArn} (${preview.secretArns.length} secrets)`),
  );
  const display = progressDisplay(ctx, preview.secretArns.length, Date.now(), options.dryRun === true);
  const end = await watchFleet(
    { sfn: ctx.aws.sfn, lifecycleStateMachineArn },
    { executionArn: started.executionArn, startDate: started.startDate ?? new Date() },
    { total: preview.secretArns.length, onProgress: display.update, pollMs: ctx.pollMs },
  ).finally(display.stop);
  const doc: FleetDocument = {
    command: 'fleet',
    dryRun: options.dryRun === true,
    selected: preview.secretArns.length,
    excluded: preview.excluded,
    executionArns: end.executionArns,
    status: end.status,
    counts: end.counts,
    ...(end.summary === undefined ? {} : { summary: end.summary }),
    ...(end.error === undefined ? {} : { error: end.error }),
    ...(end.cause === undefined ? {} : { cause: end.cause }),
  };
  ctx.reporter.result(doc, fleetResultLines(doc, ctx.reporter.colors));
  if (end.status !== 'SUCCEEDED') return ExitCode.Failed;
  return fleetHasFindings(doc) ? ExitCode.Findings : ExitCode.Success;
}

export function fleetCommand(run: CommandRunner): Command {
  return new Command('fleet')
    .description('rotate many secrets: those carrying tags, or a list; one lifecycle per secret')
    .option(
      '--tag <key=value>',
      'select secrets carrying this tag (repeatable: all must match)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--file <list>', 'select the secrets named in this file (one name or ARN a line, # comments)')
    .option(
      '--max-concurrency <n>',
      `lifecycles at once (1-${MAX_FLEET_CONCURRENCY}; default 40)`,
      integerIn(1, MAX_FLEET_CONCURRENCY),
    )
    .option(
      '--tolerate <pct>',
      'failed rotations (percent of the selection) tolerated before the fleet fails (default 0)',
      numberIn(0, 100),
    )
    .option('--reason <text>', 'why: carried to every lifecycle and audit event')
    .option('--dry-run', "run the fleet as a dry run: each secret's pre-flight only; change nothing")
    .addHelpText(
      'after',
      '\nOn a terminal a live bar shows rotated, left in use, skipped, failed, the rate and the time left; elsewhere\n' +
        'one plain line per change.\n\n' +
        'Examples:\n  keyturn fleet --tag team=payments --tag env=prod --max-concurrency 10 --tolerate 5\n' +
        '  keyturn fleet --file secrets.txt --dry-run\n\n' +
        'Exit codes: 0 all rotated, 3 within tolerance but some failed or left the old credential in use, ' +
        '1 the fleet failed (more failures than tolerated), 2 usage error. A dry run exits 3 when pre-flight would refuse or skip any secret.',
    )
    .action(async (options: FleetOptions, command: Command) => run(command, (ctx) => fleet(ctx, options)));
}
