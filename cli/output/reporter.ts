import { colorsFor, type Colors } from './colors';
import type { CliIo } from './io';

/**
 * How a command talks: text for people, or (with --json) exactly one JSON document on stdout with
 * progress on stderr. Commands hand it both renderings and never write to the streams themselves.
 */
export interface Reporter {
  readonly json: boolean;
  /** Colours for what goes to stdout (none off a terminal or with NO_COLOR). */
  readonly colors: Colors;
  /** A line of progress (a state entered, a fleet count): stdout for text, stderr with --json. */
  progress(line: string): void;
  /** A note that is not the result (a warning, where to look next): always stderr. */
  note(line: string): void;
  /** The command's result: its text lines, or its JSON document. */
  result(document: object, lines: readonly string[]): void;
}

export function createReporter(io: CliIo, json: boolean): Reporter {
  const progressStream = json ? io.stderr : io.stdout;
  const colors = colorsFor(io.stdout, io.env);
  return {
    json,
    colors: json ? colorsFor(io.stderr, io.env) : colors,
    progress: (line) => progressStream.write(`${line}\n`),
    note: (line) => io.stderr.write(`${line}\n`),
    result(document, lines) {
      if (json) io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      else if (lines.length > 0) io.stdout.write(`${lines.join('\n')}\n`);
    },
  };
}
