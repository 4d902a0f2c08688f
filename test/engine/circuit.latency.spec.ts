import { jest } from '@jest/globals';
import fc from 'fast-check';
import { Circuit, type CircuitStats } from '../../lib/index.js';
import { LatencyHistogram } from '../../lib/engine/latency-histogram.js';
import { takes } from './circuit-test-kit.js';

// stats().latency: durations of the calls that ran, over the rolling window, from a fixed-size
// log-linear histogram whose percentiles are within 5 % of the exact ones from 0.1 ms to 60 s.

/** The exact percentile by nearest rank, as a histogram's rank is counted. */
function exact(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

describe('LatencyHistogram', () => {
  const latencies = fc.array(
    fc.double({ min: Math.log(0.1), max: Math.log(60_000), noNaN: true }).map(Math.exp),
    { minLength: 1, maxLength: 2_000 },
  );

  it('gives p50, p90 and p99 within 5 % of the exact ones, and the exact count, mean and max', () => {
    fc.assert(
      fc.property(latencies, (durations) => {
        const histogram = new LatencyHistogram(10_000);
        for (const duration of durations) histogram.record(1_000, duration);
        const summary = histogram.summary(1_000)!;
        const sorted = [...durations].sort((a, b) => a - b);
        for (const [p, got] of [
          [0.5, summary.p50Ms],
          [0.9, summary.p90Ms],
          [0.99, summary.p99Ms],
        ] as const) {
          const want = exact(sorted, p);
          expect(Math.abs(got - want) / want).toBeLessThanOrEqual(0.05);
        }
        expect(summary.calls).toBe(durations.length);
        expect(summary.maxMs).toBeCloseTo(sorted.at(-1)!, 2);
        const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
        expect(summary.meanMs).toBeCloseTo(mean, 2);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps its percentiles when a bin’s count overflows 16 bits', () => {
    const histogram = new LatencyHistogram(10_000);
    for (let i = 0; i < 200_000; i++) histogram.record(0, i % 10 === 0 ? 100 : 10);
    const summary = histogram.summary(0)!;
    expect(summary.calls).toBe(200_000);
    expect(summary.p50Ms).toBeCloseTo(10, -0.5); // within 5 %
    expect(Math.abs(summary.p99Ms - 100) / 100).toBeLessThanOrEqual(0.05);
  });

  it('forgets calls between 2/3 and 1 window after they settled', () => {
    const histogram = new LatencyHistogram(900); // slices of 300 ms
    histogram.record(0, 5);
    expect(histogram.summary(899)!.calls).toBe(1);
    expect(histogram.summary(900)).toBeNull();
    histogram.record(1_000, 6);
    expect(histogram.summary(1_799)!.calls).toBe(1); // 799 ms old: from the slice 900–1200
    expect(histogram.summary(1_800)).toBeNull();
    histogram.record(2_000, 7);
    expect(histogram.summary(2_000)).toMatchObject({ calls: 1, maxMs: 7 });
  });

  it('is null when nothing was measured', () => {
    expect(new LatencyHistogram(1_000).summary(0)).toBeNull();
  });
});

describe('Circuit: stats().latency', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  async function call(circuit: Circuit, ms: number, fails = false): Promise<void> {
    const answer = circuit
      .execute(
        () =>
          new Promise((resolve, reject) =>
            setTimeout(() => (fails ? reject(new Error('down')) : resolve('ok')), ms),
          ),
      )
      .catch(() => undefined);
    await jest.advanceTimersByTimeAsync(ms);
    await answer;
  }

  it('is null without trackLatency, a slow-call rule or an observer: calls are not timed', async () => {
    const circuit = new Circuit('inventory');
    await call(circuit, 20);
    expect(circuit.stats().latency).toBeNull();
  });

  it('measures the calls that ran, failures and timeouts included, refusals not', async () => {
    const circuit = new Circuit('inventory', {
      trackLatency: true,
      failureThreshold: 2,
      timeoutMs: 100,
    });
    await call(circuit, 10);
    await call(circuit, 30, true);
    await call(circuit, 500); // times out at 100
    await circuit.execute(async () => 'refused').catch(() => undefined);
    const { latency } = circuit.stats() as CircuitStats & { latency: object };
    expect(circuit.stats().rejections).toBe(1);
    expect(latency).toMatchObject({ calls: 3, maxMs: 100 });
    expect(circuit.stats().latency!.meanMs).toBeCloseTo(140 / 3, 1);
  });

  it('is on by itself with a slow-call rule, or once an observer watches the calls', async () => {
    const slow = new Circuit('slow', { slowCallDurationMs: 50 });
    await call(slow, 20);
    expect(slow.stats().latency).toMatchObject({ calls: 1 });
    const observed = new Circuit('observed');
    await call(observed, 20); // not timed yet
    const stop = observed.observeCalls(() => {});
    await call(observed, 20);
    stop();
    expect(observed.stats().latency).toMatchObject({ calls: 1 });
  });

  it('one reading serves them all: the observer sees the duration the latency counts', async () => {
    const circuit = new Circuit('inventory', { slowCallDurationMs: 25 });
    const seen: number[] = [];
    circuit.observeCalls((_outcome, ms) => seen.push(ms));
    await call(circuit, 30);
    expect(seen).toEqual([30]);
    expect(circuit.stats()).toMatchObject({ slowCalls: 1, latency: { calls: 1, maxMs: 30 } });
  });

  it('covers the rolling window: old calls leave it', async () => {
    const circuit = new Circuit('inventory', { trackLatency: true, windowMs: 1_000 });
    await call(circuit, 10);
    jest.advanceTimersByTime(1_000);
    expect(circuit.stats().latency).toBeNull();
    const timed = circuit.execute(takes(5));
    await jest.advanceTimersByTimeAsync(5);
    await timed;
    expect(circuit.stats().latency).toMatchObject({ calls: 1 });
  });

  it('starts afresh after reset()', async () => {
    const circuit = new Circuit('inventory', { trackLatency: true });
    await call(circuit, 10);
    circuit.reset();
    expect(circuit.stats().latency).toBeNull();
  });
});

/** A seeded Math.random (an LCG): the sample is random, the test is not. */
function seededRandom(seed = 42): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe('LatencyHistogram sampling (when nothing needs every duration)', () => {
  beforeEach(() => jest.spyOn(Math, 'random').mockImplementation(seededRandom()));
  afterEach(() => jest.restoreAllMocks());

  /** A histogram that samples, as a circuit makes it when only its latency reads durations. */
  function sampling(windowMs: number): LatencyHistogram {
    const histogram = new LatencyHistogram(windowMs);
    histogram.timing = 'sample';
    return histogram;
  }

  /** `calls` calls of the given durations at `now`, each timed only when the histogram asks. */
  function feed(
    histogram: LatencyHistogram,
    calls: number,
    duration: (i: number) => number,
    now = 0,
  ) {
    let timed = 0;
    for (let i = 0; i < calls; i++) {
      if (!histogram.takesNext()) continue;
      timed++;
      histogram.record(now, duration(i), histogram.weight);
    }
    return timed;
  }

  it('times every call while fewer than 1,024 run per slice of the window', () => {
    const histogram = sampling(9_000);
    expect(feed(histogram, 1_000, () => 5)).toBe(1_000);
    expect(histogram.summary(0)).toMatchObject({ calls: 1_000, p50Ms: expect.closeTo(5, 0) });
  });

  it('on a busy circuit times about one call in 64, keeping the count and the percentiles', () => {
    const histogram = sampling(9_000);
    const calls = 400_000;
    const duration = (i: number) => (i % 100) + 1; // 1 to 100 ms, evenly
    feed(histogram, calls / 2, duration); // the stride grows to 64 over the first 64,000 calls
    expect(feed(histogram, calls / 2, duration)).toBeLessThan(calls / 2 / 50);
    const summary = histogram.summary(0)!;
    expect(Math.abs(summary.calls - calls) / calls).toBeLessThan(0.02);
    for (const [got, want] of [
      [summary.p50Ms, 50],
      [summary.p90Ms, 90],
      [summary.p99Ms, 99],
      [summary.meanMs, 50.5],
    ]) {
      expect(Math.abs(got! - want) / want).toBeLessThan(0.08); // the bins' 5 %, and the sample's
    }
  });

  it('samples at random: calls that alternate between fast and slow are both seen', () => {
    const histogram = sampling(9_000);
    feed(histogram, 400_000, (i) => (i % 2 === 0 ? 1 : 99));
    expect(Math.abs(histogram.summary(0)!.meanMs - 50) / 50).toBeLessThan(0.05);
  });

  it('times every call again after a quiet spell, and fewer as traffic falls', () => {
    const histogram = sampling(9_000); // slices of 3 s
    feed(histogram, 400_000, () => 5);
    expect(histogram.weight).toBe(64);
    // A slice of less traffic (about 47 timed calls): at the next slice, the stride halves.
    feed(histogram, 3_000, () => 5, 3_000);
    feed(histogram, 3_000, () => 5, 6_000);
    expect(histogram.weight).toBe(32);
    feed(histogram, 1_000, () => 5, 20_000); // after slices with no call: every call
    expect(histogram.weight).toBe(1);
    expect(feed(histogram, 10, () => 5, 20_000)).toBe(10);
  });
});

describe('Circuit: which calls are timed', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(Math, 'random').mockImplementation(seededRandom());
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /**
   * Clock readings made by `calls` sync successes, after a warm-up of `warmUp` (sampling grows to
   * one call in 64 over some 64,000 calls in a slice of the window).
   */
  function clockReadsOf(circuit: Circuit, calls: number, warmUp = calls): number {
    for (let i = 0; i < warmUp; i++) circuit.executeSync(() => 'ok');
    const clock = jest.spyOn(performance, 'now');
    for (let i = 0; i < calls; i++) circuit.executeSync(() => 'ok');
    const reads = clock.mock.calls.length;
    clock.mockRestore();
    return reads;
  }

  it('a busy circuit samples when only its latency or an observer reads durations', () => {
    // Two readings per timed call: about 2 × 50,000 / 64.
    const latency = new Circuit('latency', { trackLatency: true });
    expect(clockReadsOf(latency, 50_000, 100_000)).toBeLessThan(2_500);
    const observed = new Circuit('observed');
    let weights = 0;
    let seen = 0;
    observed.observeCalls((_outcome, _ms, weight) => {
      seen++;
      weights += weight;
    });
    expect(clockReadsOf(observed, 50_000, 100_000)).toBeLessThan(2_500);
    expect(seen).toBe(150_000); // every call is seen; the timed ones weigh the calls they stand for
    expect(Math.abs(weights - 150_000) / 150_000).toBeLessThan(0.02);
  });

  it('times every call when a rule needs each duration, or a timeout reads the start anyway', () => {
    expect(clockReadsOf(new Circuit('slow', { slowCallDurationMs: 50 }), 5_000)).toBe(10_000);
    const adaptive = { percentile: 0.99, minMs: 10, maxMs: 1_000 };
    expect(clockReadsOf(new Circuit('adaptive', { timeoutMs: adaptive }), 5_000)).toBe(10_000);
    // Sync calls end before any deadline: the start is read for timeoutMs, the end for latency.
    const timed = new Circuit('timed', { timeoutMs: 1_000, trackLatency: true });
    expect(clockReadsOf(timed, 5_000)).toBe(10_000);
  });
});
