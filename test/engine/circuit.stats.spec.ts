import { jest } from '@jest/globals';
import { NotFoundException } from '@nestjs/common';
import { Circuit, CircuitOpenError, CircuitState } from '../../lib/index.js';
import { answerOf, attempt, fails, FRESH_STATS, run, takes, thrownBy } from './circuit-test-kit.js';

const T0 = '2026-11-23T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

describe('Circuit: stats()', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date(T0) }));
  afterEach(() => jest.useRealTimers());

  it('has every field API.md lists, zero for a new circuit', () => {
    expect(new Circuit('inventory').stats()).toMatchObject({
      ...FRESH_STATS,
      name: 'inventory',
      lastStateChangeAt: T0,
      openUntil: null,
      retryAfterMs: 0,
    });
  });

  it('counts every kind of call in its own field', async () => {
    const circuit = new Circuit('inventory', {
      failureThreshold: 3,
      resetTimeoutMs: 5_000,
      failureRateThreshold: 0.9,
      minimumThroughput: 100,
      slowCallDurationMs: 1_000,
      timeoutMs: 2_000,
    });
    run(circuit, 'S');
    const slow = answerOf(circuit, takes(1_500));
    await jest.advanceTimersByTimeAsync(1_500); // t = 1.5 s
    await slow;
    attempt(circuit, fails(new NotFoundException()));
    run(circuit, 'FF');
    const timedOut = answerOf(circuit, () => new Promise(() => {}));
    await jest.advanceTimersByTimeAsync(2_000); // t = 3.5 s: the 3rd failure in a row opens it
    await timedOut;
    await answerOf(circuit, async () => 'ok');
    await answerOf(circuit, async () => 'ok');
    expect(circuit.stats()).toEqual(
      expect.objectContaining({
        name: 'inventory',
        state: 'open',
        consecutiveFailures: 3,
        totalCalls: 8,
        successes: 2,
        failures: 3,
        rejections: 2,
        timeouts: 1,
        slowCalls: 2,
        ignored: 1,
        windowCalls: 5,
        failureRate: 3 / 5,
        slowCallRate: 2 / 5,
        lastFailureAt: at(3_500),
        lastStateChangeAt: at(3_500),
        openUntil: at(8_500),
        retryAfterMs: 5_000,
      }),
    );
  });

  it('is plain JSON: a fresh object of strings, numbers, booleans, nulls and the latency figures', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1, trackLatency: true });
    run(circuit, 'F');
    const stats = circuit.stats();
    expect(Object.getPrototypeOf(stats)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
    const { latency, ...rest } = stats;
    for (const value of [...Object.values(rest), ...Object.values(latency!)]) {
      expect(['string', 'number', 'boolean'].includes(typeof value) || value === null).toBe(true);
    }
    (stats as { failures: number }).failures = 99;
    expect(circuit.stats().failures).toBe(1);
    expect(circuit.stats()).not.toBe(circuit.stats());
  });

  it('gives times as ISO strings: the last failure, the last state change, the end of the open period', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 2, resetTimeoutMs: 1_000 });
    jest.advanceTimersByTime(250);
    run(circuit, 'F');
    expect(circuit.stats()).toMatchObject({
      lastFailureAt: at(250),
      lastStateChangeAt: T0, // when the circuit was made
      openUntil: null,
    });
    jest.advanceTimersByTime(250);
    run(circuit, 'F');
    expect(circuit.stats()).toMatchObject({
      state: 'open',
      lastFailureAt: at(500),
      lastStateChangeAt: at(500),
      openUntil: at(1_500),
    });
    jest.advanceTimersByTime(2_000);
    expect(circuit.stats()).toMatchObject({
      state: 'half_open',
      lastStateChangeAt: at(1_500), // when the open period ended, read later
      openUntil: null,
    });
    run(circuit, 'S');
    expect(circuit.stats()).toMatchObject({ lastFailureAt: at(500), lastStateChangeAt: at(2_500) });
  });

  it('leaves lastFailureAt alone for ignored errors and successes', () => {
    const circuit = new Circuit('inventory');
    run(circuit, 'S');
    attempt(circuit, fails(new NotFoundException()));
    expect(circuit.stats().lastFailureAt).toBeNull();
  });

  it('reads retryAfterMs as the time left while open, and 0 in every other state', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1, resetTimeoutMs: 10_000 });
    expect(circuit.stats().retryAfterMs).toBe(0);
    run(circuit, 'F');
    expect(circuit.stats().retryAfterMs).toBe(10_000);
    jest.advanceTimersByTime(3_000);
    expect(circuit.stats().retryAfterMs).toBe(7_000);
    const rejection = thrownBy(() => circuit.executeSync(() => 'ok'));
    expect((rejection as CircuitOpenError).retryAfterMs).toBe(7_000);
    jest.advanceTimersByTime(7_000);
    expect(circuit.stats()).toMatchObject({ state: 'half_open', retryAfterMs: 0 });
    circuit.forceOpen();
    expect(circuit.stats()).toMatchObject({ state: 'forced_open', retryAfterMs: 0 });
    circuit.disable();
    expect(circuit.stats()).toMatchObject({ state: 'disabled', retryAfterMs: 0 });
    circuit.release();
    expect(circuit.stats()).toMatchObject({ state: 'closed', retryAfterMs: 0 });
  });

  it('moves an open circuit whose time is up to half-open when read', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1, resetTimeoutMs: 1_000 });
    run(circuit, 'F');
    jest.advanceTimersByTime(1_000);
    expect(circuit.stats().state).toBe(CircuitState.HalfOpen);
  });

  it('counts calls in flight in totalCalls', async () => {
    const circuit = new Circuit('inventory');
    let finish!: () => void;
    const call = circuit.execute(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(circuit.stats()).toMatchObject({ totalCalls: 1, successes: 0 });
    finish();
    await call;
    expect(circuit.stats()).toMatchObject({ totalCalls: 1, successes: 1 });
  });

  it('keeps the window fields at 0 without a rate rule', () => {
    const circuit = new Circuit('inventory');
    run(circuit, 'SF');
    expect(circuit.stats()).toMatchObject({ windowCalls: 0, failureRate: 0, slowCallRate: 0 });
  });
});
