import {
  DEADLINE_RESERVE_MS,
  DeadlineExceededError,
  deadlineIn,
  invocationDeadline,
  sleepWithin,
  waitBudgetMs,
} from '../../../functions/shared/deadline';

describe('deadlines', () => {
  it("follow the Lambda context's remaining time, else the rotation function's timeout", () => {
    expect(invocationDeadline({ getRemainingTimeInMillis: () => 12_345 }).remainingMs()).toBe(12_345);
    const local = invocationDeadline().remainingMs();
    expect(local).toBeGreaterThan(40_000);
    expect(local).toBeLessThanOrEqual(45_000);
  });

  it('keep a reserve to answer in', () => {
    let now = 0;
    const deadline = deadlineIn(10_000, () => now);
    expect(waitBudgetMs(deadline)).toBe(10_000 - DEADLINE_RESERVE_MS);
    now = 9_000;
    expect(waitBudgetMs(deadline)).toBe(0);
  });

  it('refuse a sleep that would outlast the invocation, with a named error, without sleeping', async () => {
    const slept: number[] = [];
    const sleep = (ms: number) => {
      slept.push(ms);
      return Promise.resolve();
    };
    const deadline = deadlineIn(5_000, () => 0);
    await sleepWithin(deadline, 1_000, 'the user to become active', sleep);
    await expect(sleepWithin(deadline, 3_000, 'the user to become active', sleep)).rejects.toThrow(
      DeadlineExceededError,
    );
    await expect(sleepWithin(deadline, 3_000, 'the user to become active', sleep)).rejects.toThrow(
      /gave up waiting for the user to become active/,
    );
    expect(slept).toEqual([1_000]);
  });
});
