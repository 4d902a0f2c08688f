import { jest } from '@jest/globals';
import {
  CallTimeoutError,
  Circuit,
  CircuitOptionsError,
  type AdaptiveTimeoutOptions,
} from '../../lib/index.js';

// timeoutMs: { percentile, multiplier, minMs, maxMs }: a timeout that follows the dependency,
// `multiplier` times the percentile of recent successful calls, clamped, maxMs until enough
// calls are measured; stats().timeoutMs shows it.

const ADAPTIVE: AdaptiveTimeoutOptions = {
  percentile: 0.9,
  multiplier: 2,
  minMs: 10,
  maxMs: 1_000,
  minCalls: 20,
};

describe('Circuit: an adaptive timeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const adaptive = (options: Partial<AdaptiveTimeoutOptions> = {}) =>
    new Circuit('inventory', {
      failureThreshold: Infinity,
      windowMs: 3_000,
      timeoutMs: { ...ADAPTIVE, ...options },
    });

  /** `count` calls one after the other, each answering after `ms`; how many timed out. */
  async function calls(circuit: Circuit, count: number, ms: number): Promise<number> {
    let timedOut = 0;
    for (let i = 0; i < count; i++) {
      const answer = circuit
        .execute(() => new Promise((resolve) => setTimeout(resolve, ms)))
        .catch((error: unknown) => {
          if (error instanceof CallTimeoutError) timedOut++;
        });
      await jest.advanceTimersByTimeAsync(ms);
      await answer;
    }
    return timedOut;
  }

  const within5Percent = (actual: number | null, expected: number) => {
    expect(Math.abs(actual! - expected) / expected).toBeLessThanOrEqual(0.05);
  };

  it('is maxMs until minCalls successes are measured', async () => {
    const circuit = adaptive();
    expect(circuit.stats().timeoutMs).toBe(1_000);
    await calls(circuit, 19, 50);
    expect(circuit.stats().timeoutMs).toBe(1_000);
    await calls(circuit, 1, 50);
    within5Percent(circuit.stats().timeoutMs, 100); // 2 × p90 of 50 ms
  });

  it('follows latency up and down, within one window', async () => {
    const circuit = adaptive();
    await calls(circuit, 40, 50);
    within5Percent(circuit.stats().timeoutMs, 100);
    // Slower, still within the timeout: one window (3 s) of 90 ms calls.
    expect(await calls(circuit, 34, 90)).toBe(0);
    within5Percent(circuit.stats().timeoutMs, 180);
    // Faster: one window of 20 ms calls.
    expect(await calls(circuit, 150, 20)).toBe(0);
    within5Percent(circuit.stats().timeoutMs, 40);
  });

  it('follows a jump far beyond it: each timeout doubles it until calls answer', async () => {
    const circuit = adaptive({ minCalls: 5 }); // 400 ms calls one by one: 7 fit in a window
    await calls(circuit, 40, 20);
    within5Percent(circuit.stats().timeoutMs, 40);
    // The dependency now takes 400 ms: calls time out at 40, 80, 160 and 320 ms, then answer.
    const timedOut = await calls(circuit, 80, 400);
    expect(timedOut).toBe(4);
    // Then they succeed, and the timeout settles at 2 × 400 ms.
    expect(await calls(circuit, 10, 400)).toBe(0);
    within5Percent(circuit.stats().timeoutMs, 800);
  });

  it('times calls out at the timeout in force, and says which in CallTimeoutError', async () => {
    const circuit = adaptive();
    await calls(circuit, 40, 50);
    const inForce = circuit.stats().timeoutMs!;
    const answer = circuit.execute(() => new Promise(() => {})).catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(inForce);
    const error = (await answer) as CallTimeoutError;
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(error.timeoutMs).toBe(inForce);
  });

  it('cannot be pushed past maxMs by a latency spike, nor below minMs', async () => {
    const spiky = adaptive();
    await calls(spiky, 40, 800); // 2 × 800 would be 1,600
    expect(spiky.stats().timeoutMs).toBe(1_000);
    const fast = adaptive();
    await calls(fast, 40, 1); // 2 × 1 would be 2
    expect(fast.stats().timeoutMs).toBe(10);
  });

  it('starts again from maxMs after reset()', async () => {
    const circuit = adaptive();
    await calls(circuit, 40, 50);
    circuit.reset();
    expect(circuit.stats().timeoutMs).toBe(1_000);
  });

  it('is a fixed number for a fixed timeoutMs, and null without one', () => {
    expect(new Circuit('a', { timeoutMs: 250 }).stats().timeoutMs).toBe(250);
    expect(new Circuit('b').stats().timeoutMs).toBeNull();
  });

  it.each<[Record<string, unknown>, string]>([
    [{ percentile: 1, minMs: 1, maxMs: 2 }, 'timeoutMs.percentile'],
    [{ percentile: 0.99, minMs: 0, maxMs: 2 }, 'timeoutMs.minMs'],
    [{ percentile: 0.99, minMs: 5, maxMs: 2 }, 'timeoutMs.maxMs'],
    [{ percentile: 0.99, minMs: 1, maxMs: 2, multiplier: 0.5 }, 'timeoutMs.multiplier'],
    [{ percentile: 0.99, minMs: 1, maxMs: 2, minCalls: 0 }, 'timeoutMs.minCalls'],
    [{ minMs: 1, maxMs: 2 }, 'timeoutMs.percentile'],
    [{ percentile: 0.99, maxMs: 2 }, 'timeoutMs.minMs'],
    [{ percentile: 0.99, minMs: 1, maxMs: 2, p: 1 }, 'timeoutMs.p'],
  ])('refuses %j, naming %s', (timeoutMs, option) => {
    let error: unknown;
    try {
      new Circuit('inventory', { timeoutMs: timeoutMs as unknown as AdaptiveTimeoutOptions });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect(error).toMatchObject({ option });
  });
});
