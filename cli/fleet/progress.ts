/** Where a fleet run stands, counted from its lifecycle executions. */
export interface FleetCounts {
  /** Secrets the selection holds (undefined while unknown). */
  readonly total?: number;
  readonly rotated: number;
  readonly leftInUse: number;
  readonly skipped: number;
  readonly failed: number;
  readonly running: number;
  /** A dry run: pre-flight passed (a real run would rotate them). */
  readonly wouldRotate: number;
}

/** Lifecycles that have ended, whatever the outcome. */
export function finished(counts: FleetCounts): number {
  return counts.rotated + counts.leftInUse + counts.skipped + counts.failed + counts.wouldRotate;
}

/** Ended per minute since the start; undefined before the first ended. */
export function ratePerMinute(counts: FleetCounts, elapsedMs: number): number | undefined {
  const done = finished(counts);
  if (done === 0 || elapsedMs <= 0) return undefined;
  return (done * 60_000) / elapsedMs;
}

/** Milliseconds left at the rate so far; undefined while the total or the rate is unknown. */
export function timeLeftMs(counts: FleetCounts, elapsedMs: number): number | undefined {
  const rate = ratePerMinute(counts, elapsedMs);
  if (counts.total === undefined || rate === undefined) return undefined;
  return (Math.max(0, counts.total - finished(counts)) / rate) * 60_000;
}

/** `45 s`, `12 min`, `3 h 5 min`; `?` when unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '?';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatRate(rate: number | undefined): string {
  return rate === undefined ? '?' : `${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/min`;
}

/** The values a progress display shows, as text (the bar's payload and the plain line share them). */
export interface ProgressFields {
  readonly done: number;
  readonly total: string;
  readonly rotated: number;
  readonly leftInUse: number;
  readonly skipped: number;
  readonly failed: number;
  readonly wouldRotate: number;
  readonly rate: string;
  readonly timeLeft: string;
}

export function progressFields(counts: FleetCounts, elapsedMs: number): ProgressFields {
  return {
    done: finished(counts),
    total: counts.total === undefined ? '?' : String(counts.total),
    rotated: counts.rotated,
    leftInUse: counts.leftInUse,
    skipped: counts.skipped,
    failed: counts.failed,
    wouldRotate: counts.wouldRotate,
    rate: formatRate(ratePerMinute(counts, elapsedMs)),
    timeLeft: formatDuration(timeLeftMs(counts, elapsedMs)),
  };
}

/**
 * One plain progress line, for a log or a pipe: `12/40 done: rotated 10, left in use 1, skipped 0, failed 1;
 * 3.2/min, 5 min left` (a dry run: `would rotate 10, skipped 0, refused 1`).
 */
export function progressLine(counts: FleetCounts, elapsedMs: number, dryRun = false): string {
  const f = progressFields(counts, elapsedMs);
  const what = dryRun
    ? `would rotate ${f.wouldRotate}, skipped ${f.skipped}, refused ${f.failed}`
    : `rotated ${f.rotated}, left in use ${f.leftInUse}, skipped ${f.skipped}, failed ${f.failed}`;
  return `${f.done}/${f.total} done: ${what}; ${f.rate}, ${f.timeLeft} left`;
}

/** cli-progress's format for the live bar; its tokens are {@link ProgressFields}. */
export const BAR_FORMAT =
  '{bar} {done}/{total} | rotated {rotated} | left in use {leftInUse} | skipped {skipped} | failed {failed} | {rate} | {timeLeft} left';

/** The bar of a dry run. */
export const DRY_RUN_BAR_FORMAT =
  '{bar} {done}/{total} | would rotate {wouldRotate} | skipped {skipped} | refused {failed} | {rate} | {timeLeft} left';
