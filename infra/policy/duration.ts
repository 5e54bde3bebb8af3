/** Durations in the policy file: a whole number and a unit, e.g. `30m`, `24h`, `7d`, `0s`. */
export const DURATION_PATTERN = /^(\d+)(s|m|h|d)$/;

const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** Seconds in a duration string; undefined when it is not one. */
export function durationSeconds(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return Number(match[1]) * (SECONDS_PER_UNIT[match[2]] ?? NaN);
}
