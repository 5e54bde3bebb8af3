import { estimateProgress } from '../../../functions/kms-rewrap/eta';

describe('estimateProgress', () => {
  it('remaining items from the approximate count, the percentage scanned, the time left at the measured rate', () => {
    // 2,500 of 10,000 in 50 s: 50 items/s, 7,500 left, 150 s
    expect(estimateProgress({ scanned: 2_500, approximateItems: 10_000, elapsedMs: 50_000, done: false })).toEqual({
      itemsRemaining: 7_500,
      percentComplete: 25,
      secondsLeft: 150,
    });
  });

  it('never says 100 % or 0 left before the scan is done, even when the count is stale', () => {
    expect(estimateProgress({ scanned: 1_200, approximateItems: 1_000, elapsedMs: 10_000, done: false })).toEqual({
      itemsRemaining: 0,
      percentComplete: 99.9,
      secondsLeft: 0,
    });
    expect(
      estimateProgress({ scanned: 999_999, approximateItems: 1_000_000, elapsedMs: 1, done: false }).percentComplete,
    ).toBe(99.9);
  });

  it('has no time left to tell before anything was measured', () => {
    expect(estimateProgress({ scanned: 0, approximateItems: 500, elapsedMs: 0, done: false })).toEqual({
      itemsRemaining: 500,
      percentComplete: 0,
      secondsLeft: null,
    });
    expect(estimateProgress({ scanned: 0, approximateItems: 0, elapsedMs: 10, done: false }).percentComplete).toBe(0);
  });

  it('is 100 %, nothing left, when done', () => {
    expect(estimateProgress({ scanned: 10, approximateItems: 5_000, elapsedMs: 10, done: true })).toEqual({
      itemsRemaining: 0,
      percentComplete: 100,
      secondsLeft: 0,
    });
  });
});
