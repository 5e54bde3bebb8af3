import { ExitCode, type ExitCodeValue } from './exit-codes';

/** An error the CLI reports as one line naming the problem, with its exit code (no stack trace unless --debug). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.Failed,
  ) {
    super(message);
  }
}

/** The command line is wrong: exit 2, nothing started. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}

/** AWS SDK v3 errors carry the service's exception name in `name`. */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** Whether `error` is one of the AWS exceptions named. */
export function isAwsError(error: unknown, ...names: string[]): boolean {
  const name = awsErrorName(error);
  return name !== undefined && names.includes(name);
}

/**
 * The one line the CLI prints for an error: a CliError's own message; an AWS error as its exception
 * name and message (AWS messages name resources, never secret values); anything else by its message.
 */
export function describeError(error: unknown): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof Error) {
    if (isAwsError(error, 'CredentialsProviderError'))
      return `no AWS credentials found (${error.message}): configure them as for the AWS CLI, or pass --profile`;
    return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  }
  return String(error);
}

/** The exit code for an error that ended a command. */
export function exitCodeOf(error: unknown): ExitCodeValue {
  return error instanceof CliError ? error.exitCode : ExitCode.Failed;
}
