import * as os from 'node:os';
import type { Command } from 'commander';
import { createAwsClients, type AwsClients, type AwsOptions } from './aws';
import type { ExitCodeValue } from './output/exit-codes';
import type { CliIo } from './output/io';
import { createReporter, type Reporter } from './output/reporter';
import { lazyStackOutputs, stackNameFrom, type StackOutputs } from './stack-outputs';

/** The options every command takes (commander's globals). */
export interface GlobalOptions extends AwsOptions {
  readonly stack?: string;
  readonly json?: boolean;
  readonly debug?: boolean;
}

/** What a command runs with. */
export interface CommandContext {
  readonly io: CliIo;
  readonly reporter: Reporter;
  readonly aws: AwsClients;
  readonly stackName: string;
  /** The stack's outputs, read on first use. */
  readonly stackOutputs: () => Promise<StackOutputs>;
  /** Who runs the command (the OS user): named in a stop's cause. */
  readonly operator: string;
  /** Between polls of an execution (KEYTURN_POLL_MS; the local stack runs fast). */
  readonly pollMs: number;
}

/** Builds clients from the options; tests pass their own to reach the local stack. */
export type ClientFactory = (options: AwsOptions) => AwsClients;

function operatorName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown user';
  }
}

export function createContext(
  io: CliIo,
  options: GlobalOptions,
  clients: ClientFactory = createAwsClients,
): CommandContext {
  const aws = clients({ region: options.region, profile: options.profile });
  const stackName = stackNameFrom(options.stack, io.env);
  const poll = Number(io.env.KEYTURN_POLL_MS);
  return {
    io,
    reporter: createReporter(io, options.json === true),
    aws,
    stackName,
    stackOutputs: lazyStackOutputs(() => aws.cloudFormation, stackName),
    operator: operatorName(),
    pollMs: Number.isFinite(poll) && poll > 0 ? poll : 1000,
  };
}

/** Runs a command's body with its context; the exit code it returns (or its error's) becomes the process's. */
export type CommandRunner = (command: Command, body: (ctx: CommandContext) => Promise<ExitCodeValue>) => Promise<void>;
