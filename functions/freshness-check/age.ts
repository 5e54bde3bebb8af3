/** How old something is against what its policy allows: the arithmetic secrets and keys share. */

/** Whole seconds from `since` to `now`, never negative (a clock a little behind KMS or Secrets Manager). */
export function ageSecondsOf(since: Date, now: Date): number {
  return Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000));
}

export interface Aged {
  readonly ageSeconds: number;
  readonly maxAgeSeconds: number;
}

/** Most overdue first: by age ÷ allowed age. */
export function mostOverdueFirst<T extends Aged>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => b.ageSeconds / b.maxAgeSeconds - a.ageSeconds / a.maxAgeSeconds);
}

/** The largest age ÷ allowed age (1 is the edge of overdue), to three decimals; 0 for none. */
export function oldestAgeRatioOf(items: readonly Aged[]): number {
  const ratio = Math.max(0, ...items.map((item) => item.ageSeconds / item.maxAgeSeconds));
  return Math.round(ratio * 1000) / 1000;
}
