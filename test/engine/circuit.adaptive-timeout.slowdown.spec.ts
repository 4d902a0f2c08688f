import { jest } from '@jest/globals';
import {
  CallTimeoutError,
  Circuit,
  CircuitOpenError,
  CircuitState,
  type AdaptiveTimeoutOptions,
  type CircuitStateChange,
} from '../../lib/index.js';

// The slowdown scenario: a healthy dependency that becomes slower than the adaptive timeout in
// force. A timed-out call is evidence too (it took at least the timeout): the timeout backs off,
// as TCP's retransmission timer does, so a slowdown is followed; a dependency that hangs still
// times out every call and trips the circuit. Jest's fake timers drive performance.now().

/** The README's numbers. */
const README: AdaptiveTimeoutOptions = { percentile: 0.99, multiplier: 2, minMs: 50, maxMs: 2_000 };

// Fake time, but seconds of it a millisecond at a time with calls in flight: real CPU work, which
// a machine loaded by other work can stretch past Jest's default 5 s (seen once under load).
jest.setTimeout(60_000);

describe('Circuit: an adaptive timeout follows a healthy dependency that slows down', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A circuit with the default trip rules (failureThreshold 5, windowMs 10 s) and its changes. */
  function watched(timeoutMs: AdaptiveTimeoutOptions) {
    const changes: CircuitStateChange[] = [];
    const circuit = new Circuit('search', {
      timeoutMs,
      onStateChange: (change) => changes.push(change),
    });
    return { circuit, changes };
  }

  /** One call after another for `forMs` of the clock, each answering after `ms`; how many timed out. */
  async function callsFor(circuit: Circuit, forMs: number, ms: number): Promise<number> {
    let timedOut = 0;
    const until = performance.now() + forMs;
    while (performance.now() < until) {
      const answer = circuit
        .execute(() => new Promise((resolve) => setTimeout(resolve, ms)))
        .then(
          () => undefined,
          (error: unknown) => {
            if (!(error instanceof CallTimeoutError)) throw error;
            timedOut++;
          },
        );
      await jest.advanceTimersByTimeAsync(ms);
      await answer;
    }
    return timedOut;
  }

  const within5Percent = (actual: number | null, expected: number) => {
    expect(Math.abs(actual! - expected) / expected).toBeLessThanOrEqual(0.05);
  };

  it('10 ms → 30 ms: followed within one window, the circuit stays closed', async () => {
    const { circuit, changes } = watched({ percentile: 0.99, minMs: 5, maxMs: 1_000 });
    expect(await callsFor(circuit, 5_000, 10)).toBe(0);
    within5Percent(circuit.stats().timeoutMs, 20); // 2 × p99 of 10 ms
    // Three times slower: one call times out, the timeout doubles, the next calls answer.
    const timedOut = await callsFor(circuit, 10_000, 30);
    expect(timedOut).toBeGreaterThan(0);
    expect(timedOut).toBeLessThan(5);
    expect(changes).toEqual([]);
    expect(circuit.state).toBe(CircuitState.Closed);
    // One window on, the percentile rule carries it: 2 × p99 of 30 ms.
    within5Percent(circuit.stats().timeoutMs, 60);
    expect(await callsFor(circuit, 10_000, 30)).toBe(0);
  });

  it("the README's numbers, 40 ms → 100 ms: followed within one window, the circuit stays closed", async () => {
    const { circuit, changes } = watched(README);
    expect(await callsFor(circuit, 5_000, 40)).toBe(0);
    within5Percent(circuit.stats().timeoutMs, 80);
    const timedOut = await callsFor(circuit, 10_000, 100);
    expect(timedOut).toBeGreaterThan(0);
    expect(timedOut).toBeLessThan(5);
    expect(changes).toEqual([]);
    within5Percent(circuit.stats().timeoutMs, 200);
    // And back: a dependency fast again is followed down.
    expect(await callsFor(circuit, 20_000, 40)).toBe(0);
    within5Percent(circuit.stats().timeoutMs, 80);
  });

  it('a dependency that hangs still times out every call, never past maxMs, and trips the circuit', async () => {
    const { circuit, changes } = watched(README);
    await callsFor(circuit, 5_000, 40);
    const timeouts: number[] = [];
    while (circuit.state === CircuitState.Closed && timeouts.length < 100) {
      const answer = circuit.execute(() => new Promise(() => {})).catch((error: unknown) => error);
      await jest.advanceTimersByTimeAsync(circuit.stats().timeoutMs!);
      const error = await answer;
      expect(error).toBeInstanceOf(CallTimeoutError);
      timeouts.push((error as CallTimeoutError).timeoutMs);
    }
    expect(circuit.state).toBe(CircuitState.Open);
    expect(changes).toMatchObject([{ from: 'closed', to: 'open', reason: 'consecutive_failures' }]);
    // Five timeouts in a row (the default failureThreshold), each twice as long, within maxMs.
    expect(timeouts).toHaveLength(5);
    timeouts.slice(1).forEach((ms, i) => expect(ms).toBe(Math.min(2_000, 2 * timeouts[i]!)));
  });

  /**
   * `workers` callers, each calling again as soon as it has its answer, for `forMs` of the clock;
   * the dependency answers after `ms` (never, for Infinity). How many calls timed out.
   */
  async function loadFor(circuit: Circuit, workers: number, forMs: number, ms: number) {
    let timedOut = 0;
    let refused = 0;
    const until = performance.now() + forMs;
    const dependency = () =>
      new Promise((resolve) => {
        if (ms !== Infinity) setTimeout(resolve, ms);
      });
    const worker = async () => {
      while (performance.now() < until) {
        await circuit.execute(dependency).catch((error: unknown) => {
          if (error instanceof CallTimeoutError) timedOut++;
          else if (error instanceof CircuitOpenError) refused++;
          else throw error;
        });
        if (refused > 0) return;
      }
    };
    let done = false;
    const all = Promise.all(Array.from({ length: workers }, worker)).finally(() => (done = true));
    while (!done) await jest.advanceTimersByTimeAsync(1);
    await all;
    return { timedOut, refused };
  }

  it('10 ms → 30 ms under load (20 calls in flight): followed, the circuit stays closed', async () => {
    const { circuit, changes } = watched({ percentile: 0.99, minMs: 5, maxMs: 1_000 });
    expect(await loadFor(circuit, 20, 5_000, 10)).toEqual({ timedOut: 0, refused: 0 });
    within5Percent(circuit.stats().timeoutMs, 20);
    // The calls in flight when it slows down time out together, under the old timeout.
    const slowed = await loadFor(circuit, 20, 10_000, 30);
    expect(slowed.refused).toBe(0);
    expect(slowed.timedOut).toBeGreaterThan(0);
    expect(slowed.timedOut).toBeLessThanOrEqual(20);
    expect(changes).toEqual([]);
    within5Percent(circuit.stats().timeoutMs, 60);
  });

  it('a dependency that hangs under load still trips the circuit, within a few times maxMs', async () => {
    const { circuit, changes } = watched(README);
    await loadFor(circuit, 20, 5_000, 40);
    const started = performance.now();
    const hung = await loadFor(circuit, 20, 60_000, Infinity);
    expect(hung.refused).toBeGreaterThan(0);
    expect(changes).toMatchObject([{ from: 'closed', to: 'open', reason: 'consecutive_failures' }]);
    // Timeouts of 80, 160… ms, each wave's first counted, then 2 s each once at maxMs.
    expect(performance.now() - started).toBeLessThan(5 * 2_000 + 4_000);
  });

  it('calls that time out together back it off once, not once each', async () => {
    const circuit = new Circuit('search', {
      failureThreshold: Infinity,
      timeoutMs: { percentile: 0.99, minMs: 5, maxMs: 10_000 },
    });
    await callsFor(circuit, 5_000, 10);
    const before = circuit.stats().timeoutMs!;
    const slow = () => new Promise((resolve) => setTimeout(resolve, 30));
    const answers = Array.from({ length: 50 }, () => circuit.execute(slow).catch(() => 'timeout'));
    await jest.advanceTimersByTimeAsync(30);
    expect(await Promise.all(answers)).toEqual(Array(50).fill('timeout'));
    expect(circuit.stats().timeoutMs).toBe(2 * before);
  });

  it('after a single late call, comes back to the percentile rule one window later', async () => {
    const circuit = new Circuit('search', {
      failureThreshold: Infinity,
      timeoutMs: { percentile: 0.99, minMs: 5, maxMs: 1_000 },
    });
    await callsFor(circuit, 5_000, 10);
    const before = circuit.stats().timeoutMs!;
    expect(await callsFor(circuit, 1, 100)).toBe(1);
    expect(circuit.stats().timeoutMs).toBe(2 * before);
    await callsFor(circuit, 10_000, 10);
    expect(circuit.stats().timeoutMs).toBe(before);
  });
});
