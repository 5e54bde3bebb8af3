import type { RewrapEstimate } from './contract';

/**
 * How far a job is and how long it may still take, from what it counted and the table's approximate item
 * count (DescribeTable's ItemCount, which DynamoDB refreshes about every six hours: items written since
 * are not in it, so the estimate can run out before the scan does). Rounded for dashboards.
 */
export interface EstimateInput {
  /** Items settled in this pass. */
  readonly scanned: number;
  /** DescribeTable's ItemCount, divided among the segments of a parallel scan. */
  readonly approximateItems: number;
  /** Milliseconds since the pass started (slices and the pauses between them). */
  readonly elapsedMs: number;
  readonly done: boolean;
}

/** While the scan goes on, progress stops short of 100 % even when the count says nothing is left. */
export const MAX_PERCENT_BEFORE_DONE = 99.9;

export function estimateProgress(input: EstimateInput): RewrapEstimate {
  if (input.done) return { itemsRemaining: 0, percentComplete: 100, secondsLeft: 0 };
  const itemsRemaining = Math.max(0, Math.round(input.approximateItems - input.scanned));
  const percentComplete =
    input.approximateItems > 0
      ? Math.min(MAX_PERCENT_BEFORE_DONE, round((input.scanned / input.approximateItems) * 100, 1))
      : 0;
  const ratePerSecond = input.elapsedMs > 0 ? input.scanned / (input.elapsedMs / 1000) : 0;
  const secondsLeft = ratePerSecond > 0 ? Math.ceil(itemsRemaining / ratePerSecond) : null;
  return { itemsRemaining, percentComplete, secondsLeft };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.floor(value * factor) / factor;
}
