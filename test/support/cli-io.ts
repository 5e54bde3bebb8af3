import { PassThrough } from 'node:stream';
import type { CliIo, OutputStream } from '../../cli/output/io';

/** A stream that keeps what the CLI writes. */
export interface CapturedStream extends OutputStream {
  readonly text: () => string;
}

export function capturedStream(isTTY = false): CapturedStream {
  const chunks: string[] = [];
  return {
    isTTY,
    write: (text: string) => chunks.push(text),
    text: () => chunks.join(''),
  };
}

export interface CapturedIo extends CliIo {
  readonly stdout: CapturedStream;
  readonly stderr: CapturedStream;
}

/** The CLI's io in a test: captured output, an idle stdin, the given environment (no terminal unless asked). */
export function capturedIo(options: { tty?: boolean; env?: Record<string, string> } = {}): CapturedIo {
  const stdin = Object.assign(new PassThrough(), { isTTY: options.tty === true });
  return {
    stdout: capturedStream(options.tty),
    stderr: capturedStream(options.tty),
    stdin,
    env: options.env ?? {},
  };
}
