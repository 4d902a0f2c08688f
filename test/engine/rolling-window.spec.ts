import { jest } from '@jest/globals';
import fc from 'fast-check';
import { RollingWindow } from '../../lib/engine/rolling-window.js';

// The time window's buckets keep a bucket's calls and failures packed in one number: exact, and
// halved (rates kept) before the calls outgrow their share of it.

describe('RollingWindow', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('holds the calls, failures and slow calls of the last window, by a model of the same calls', () => {
    const call = fc.record({
      failed: fc.boolean(),
      slow: fc.boolean(),
      waitMs: fc.constantFrom(0, 0, 30, 100, 450),
    });
    fc.assert(
      fc.property(fc.array(call, { maxLength: 200 }), (calls) => {
        const window = new RollingWindow(1_000, true);
        const seen: Array<{ at: number; failed: boolean; slow: boolean }> = [];
        for (const { failed, slow, waitMs } of calls) {
          jest.advanceTimersByTime(waitMs);
          window.record(failed, slow);
          seen.push({ at: Math.floor(performance.now()), failed, slow });
        }
        // Read where no call is between 0.9 and 1 window old: the model is then exact.
        jest.advanceTimersByTime(1_000);
        const now = Math.floor(performance.now());
        const inWindow = seen.filter(({ at }) => now - at < 900);
        expect(window.totals()).toEqual({
          calls: inWindow.length,
          failures: inWindow.filter((c) => c.failed).length,
          slow: inWindow.filter((c) => c.slow).length,
        });
      }),
      { numRuns: 200 },
    );
  });

  it('adds up many buckets of many failures without one count spilling into another', () => {
    const window = new RollingWindow(10_000, false);
    for (let bucket = 0; bucket < 10; bucket++) {
      for (let i = 0; i < 3_000; i++) window.record(true, false);
      jest.advanceTimersByTime(1_000);
      if (bucket < 9) expect(window.totals().failures).toBe(3_000 * (bucket + 1));
    }
  });

  it('halves a bucket that reaches 2^26 calls, keeping its failure rate', () => {
    const window = new RollingWindow(10_000, false);
    const full = 2 ** 26 - 2; // one call short of halving: as if it had been recorded
    const bucket = [full, Math.floor(full / 4), 0] as [number, number, number];
    const empty = [0, 0, 0] as [number, number, number];
    window.restore(
      { type: 'time', windowMs: 10_000, buckets: [bucket, ...Array(9).fill(empty)] },
      0,
    );
    expect(window.totals()).toEqual({ calls: full, failures: Math.floor(full / 4), slow: 0 });
    window.record(false, false);
    const { calls, failures } = window.totals();
    expect(calls).toBe((full + 1 - 1) / 2); // halved, rounded down
    expect(failures / calls).toBeCloseTo(0.25, 6);
    expect(window.recordedCalls).toBe(calls);
  });

  it('halves slow calls with the rest: never more slow calls than calls', () => {
    const window = new RollingWindow(10_000, true);
    const full = 2 ** 26 - 2; // the most a bucket holds (what a snapshot is checked against)
    const empty = [0, 0, 0] as [number, number, number];
    const allSlow = [full, 0, full] as [number, number, number];
    window.restore(
      { type: 'time', windowMs: 10_000, buckets: [allSlow, ...Array(9).fill(empty)] },
      0,
    );
    window.record(false, true); // one more: the bucket is halved
    const { calls, slow } = window.totals();
    expect(calls).toBe((full + 1 - 1) / 2);
    expect(slow).toBe(calls);
  });
});
