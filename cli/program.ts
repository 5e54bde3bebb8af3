import { Command, CommanderError, Option } from 'commander';
import { createContext, type ClientFactory, type CommandRunner, type GlobalOptions } from './context';
import { cancelCommand } from './commands/cancel';
import { discoverCliCommand } from './commands/discover-cli';
import { emergencyCommand } from './commands/emergency';
import { fleetCommand } from './commands/fleet';
import { historyCommand } from './commands/history';
import { inventoryCommand } from './commands/inventory';
import { rotateCommand } from './commands/rotate';
import { statusCommand } from './commands/status';
import { describeError, exitCodeOf } from './output/errors';
import { ExitCode, type ExitCodeValue } from './output/exit-codes';
import type { CliIo } from './output/io';

export interface CliDeps {
  readonly io: CliIo;
  /** @default the AWS SDK's clients with the default credential chain */
  readonly clients?: ClientFactory;
}

/** The `keyturn` program: global options, one subcommand per operator task. */
export function createProgram(deps: CliDeps, onExit: (code: ExitCodeValue) => void): Command {
  const { io } = deps;
  const run: CommandRunner = async (command, body) => {
    const options = command.optsWithGlobals<GlobalOptions>();
    try {
      onExit(await body(createContext(io, options, deps.clients)));
    } catch (error) {
      const message = describeError(error);
      const code = exitCodeOf(error);
      io.stderr.write(`keyturn: ${message}\n`);
      if (options.debug === true && error instanceof Error && error.stack !== undefined)
        io.stderr.write(`${error.stack}\n`);
      // With --json a script still gets its one document on stdout.
      if (options.json === true)
        io.stdout.write(`${JSON.stringify({ command: command.name(), error: message, exitCode: code }, null, 2)}\n`);
      onExit(code);
    }
  };
  const program = new Command('keyturn')
    .description('Operate keyturn: rotate a secret now, respond to a leak, rotate a fleet, see where a secret stands.')
    .addOption(new Option('--region <region>', 'AWS Region (else AWS_REGION / the profile, as the AWS CLI)'))
    .addOption(new Option('--profile <name>', 'AWS profile from ~/.aws (else AWS_PROFILE, as the AWS CLI)'))
    .addOption(
      new Option(
        '--stack <name>',
        "keyturn's core stack, whose outputs name the state machines (default: $KEYTURN_STACK, else Keyturn)",
      ),
    )
    .option('--json', 'one JSON document on stdout (progress on stderr)')
    .option('--debug', 'stack traces with errors')
    .showHelpAfterError('(keyturn <command> --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();
  for (const command of [
    rotateCommand(run),
    emergencyCommand(run),
    fleetCommand(run),
    statusCommand(run),
    historyCommand(run),
    cancelCommand(run),
    inventoryCommand(run),
    discoverCliCommand(run),
  ]) {
    program.addCommand(
      command
        .exitOverride()
        .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) }),
    );
  }
  program.addHelpText(
    'after',
    '\nExamples:\n  keyturn rotate orders-db --wait\n  keyturn status orders-db --json\n\nExit codes: 0 success, 1 the operation failed, 2 usage error, 3 completed with findings.\nDocs: docs/cli.md',
  );
  return program;
}

/** Parses and runs one command line (without node and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<ExitCodeValue> {
  let code: ExitCodeValue = ExitCode.Success;
  const program = createProgram(deps, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end the parse with exit code 0; every other commander error is a usage error.
      return error.exitCode === 0 ? ExitCode.Success : ExitCode.Usage;
    }
    throw error;
  }
  return code;
}
