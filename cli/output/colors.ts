import { createColors } from 'picocolors';
import type { OutputStream } from './io';

export type Colors = ReturnType<typeof createColors>;

/** Colour only on a terminal, and never when NO_COLOR is set to anything non-empty (https://no-color.org). */
export function colorEnabled(stream: OutputStream, env: Readonly<Record<string, string | undefined>>): boolean {
  const noColor = env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === '');
}

export function colorsFor(stream: OutputStream, env: Readonly<Record<string, string | undefined>>): Colors {
  return createColors(colorEnabled(stream, env));
}
