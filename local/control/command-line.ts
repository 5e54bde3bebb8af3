import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * What every emulator's command line (local/<service>/cli.ts) does alike: `--help`, checked
 * numeric flags, a failure printed with the usage (exit 1), and serving until SIGINT or SIGTERM.
 * Each cli.ts keeps only its flags, how it starts its emulators and what it prints.
 */

type FlagValues<Options extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: Options; strict: true }>
>['values'];

const HELP = { help: { type: 'boolean', default: false } } as const;

export interface EmulatorCommandLine<Options extends ParseArgsOptionsConfig> {
  /** Printed for --help and after any failure. */
  readonly usage: string;
  /** The flags; --help is added. */
  readonly options: Options;
  /** Starts the emulators and prints their endpoints; resolves with how to stop them. */
  readonly start: (flags: FlagValues<Options>) => Promise<() => Promise<unknown>>;
}

export function runEmulatorCommandLine<const Options extends ParseArgsOptionsConfig>(
  cli: EmulatorCommandLine<Options>,
): void {
  const main = async () => {
    const { values } = parseArgs({ options: { ...cli.options, ...HELP }, strict: true });
    // parseArgs' value types do not resolve over generic options: these are the flags asked for, and help.
    const flags = values as FlagValues<Options> & { readonly help: boolean };
    if (flags.help) {
      console.log(cli.usage);
      return;
    }
    const stop = await cli.start(flags);
    const shutdown = () => {
      void stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  };
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    console.error(cli.usage);
    process.exit(1);
  });
}

/** A port flag: 0 (any free port) when absent. */
export function portFlag(text: string | undefined, flag: string): number {
  const value = text === undefined ? 0 : Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new Error(`${flag} must be 0-65535, got ${text}`);
  return value;
}

/** A whole-number flag from 0 to `max`, `fallback` when absent. */
export function wholeNumberFlag(
  text: string | undefined,
  flag: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new Error(`${flag} must be a whole number 0-${max}, got ${text}`);
  return value;
}
