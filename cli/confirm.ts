import { createInterface } from 'node:readline/promises';
import type { CliIo } from './output/io';
import { UsageError } from './output/errors';

/** Whether the CLI can ask: stdin is a terminal. */
export function canAsk(io: CliIo): boolean {
  return io.stdin.isTTY === true;
}

/** A command that must be confirmed: --yes, or a terminal to ask on; otherwise a usage error before anything starts. */
export function requireConfirmable(io: CliIo, yes: boolean, what: string): void {
  if (!yes && !canAsk(io)) throw new UsageError(`${what} needs confirmation: not a terminal, so pass --yes`);
}

/** Asks on the terminal (prompt on stderr, so stdout stays the result); true only for "yes" or "y". */
export async function confirm(io: CliIo, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream, terminal: true });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
