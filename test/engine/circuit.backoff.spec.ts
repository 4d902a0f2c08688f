import { jest } from '@jest/globals';
import { Circuit, CircuitState, type CircuitOptions } from '../../lib/index.js';
import { openCircuit, run } from './circuit-test-kit.js';

/** Waits out the open duration, fails the probe, and returns the new open duration. */
function failProbe(circuit: Circuit): number {
  jest.advanceTimersByTime(circuit.stats().retryAfterMs);
  expect(circuit.state).toBe(CircuitState.HalfOpen);
  run(circuit, 'F');
  expect(circuit.state).toBe(CircuitState.Open);
  return circuit.stats().retryAfterMs;
}

function openDurations(options: CircuitOptions, failedProbes: number): number[] {
  const circuit = openCircuit(options);
  const durations = [circuit.stats().retryAfterMs];
  for (let i = 0; i < failedProbes; i++) durations.push(failProbe(circuit));
  return durations;
}

describe('Circuit: backoffMultiplier and maxResetTimeoutMs', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('multiplies the open duration by backoffMultiplier per failed probe, up to maxResetTimeoutMs', () => {
    expect(openDurations({ backoffMultiplier: 2, maxResetTimeoutMs: 5_000 }, 4)).toEqual([
      1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
  });

  it('takes a fractional multiplier', () => {
    expect(openDurations({ backoffMultiplier: 1.5 }, 3)).toEqual([1_000, 1_500, 2_250, 3_375]);
  });

  it('keeps the open duration fixed with the default multiplier 1', () => {
    expect(openDurations({}, 3)).toEqual([1_000, 1_000, 1_000, 1_000]);
  });

  it('caps the open duration at 300 s by default', () => {
    expect(openDurations({ resetTimeoutMs: 100_000, backoffMultiplier: 2 }, 3)).toEqual([
      100_000, 200_000, 300_000, 300_000,
    ]);
  });

  it('keeps the open duration a number however many probes fail, from resetTimeoutMs 0', () => {
    const circuit = new Circuit('payments', {
      failureThreshold: 1,
      resetTimeoutMs: 0,
      backoffMultiplier: 2,
    });
    for (let probe = 0; probe < 1_100; probe++) run(circuit, 'F'); // 2 ** 1_024 is Infinity
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    expect(circuit.stats().retryAfterMs).toBe(0);

    const huge = openCircuit({ backoffMultiplier: 1e300 });
    for (let probe = 0; probe < 3; probe++) failProbe(huge);
    expect(huge.stats().retryAfterMs).toBe(300_000); // the cap, not NaN
  });

  it('backs off by a multiplier within a hair of 1, and takes its snapshot back', () => {
    // 1 + 2^-52 reaches the 300 s cap only after ~10^17 failed probes: the step at which the
    // circuit stops counting was sought one by one, past where a double counts (a hang, found
    // by the options' property test).
    const options = { backoffMultiplier: 1 + Number.EPSILON };
    expect(openDurations(options, 3)).toEqual([1_000, 1_000, 1_000, 1_000]);
    const circuit = openCircuit(options);
    failProbe(circuit);
    const snapshot = circuit.snapshot();
    expect(snapshot.backoffStep).toBe(1);
    expect(() => openCircuit(options).restore(snapshot)).not.toThrow();
  });

  it('counts the open duration from the failed probe', () => {
    const circuit = openCircuit({ backoffMultiplier: 2 });
    jest.advanceTimersByTime(5_000); // half-open for 4 s before the probe
    run(circuit, 'F');
    jest.advanceTimersByTime(1_999);
    expect(circuit.state).toBe(CircuitState.Open);
    jest.advanceTimersByTime(1);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
  });

  it('starts afresh after the circuit closes, is reset, or is released', () => {
    const options = { backoffMultiplier: 2 };
    const closed = openCircuit(options);
    failProbe(closed);
    failProbe(closed);
    jest.advanceTimersByTime(closed.stats().retryAfterMs);
    run(closed, 'SF');
    expect(closed.stats().retryAfterMs).toBe(1_000);

    const reset = openCircuit(options);
    failProbe(reset);
    reset.reset();
    run(reset, 'F');
    expect(reset.stats().retryAfterMs).toBe(1_000);

    for (const manual of ['forceOpen', 'disable'] as const) {
      const released = openCircuit(options);
      failProbe(released);
      released[manual]();
      released.release();
      run(released, 'F');
      expect(released.stats().retryAfterMs).toBe(1_000);
    }
  });
});

describe('Circuit: jitter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('spreads the open duration by up to ±jitter of itself', () => {
    const random = jest.spyOn(Math, 'random');
    const durations = [0, 0.25, 0.5, 0.75, 0.999999].map((value) => {
      random.mockReturnValue(value);
      return openCircuit({ jitter: 0.2 }).stats().retryAfterMs;
    });
    expect(durations).toEqual([800, 900, 1_000, 1_100, 1_200]);
  });

  it('draws a new spread for every open duration, after backoff', () => {
    const random = jest.spyOn(Math, 'random').mockReturnValue(0);
    const circuit = openCircuit({ jitter: 0.5, backoffMultiplier: 2 });
    expect(circuit.stats().retryAfterMs).toBe(500);
    random.mockReturnValue(0.999999);
    expect(failProbe(circuit)).toBe(3_000); // 2 000 + 50 %
  });

  it('keeps a jittered duration under maxResetTimeoutMs', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.999999);
    const circuit = openCircuit({ jitter: 0.5, backoffMultiplier: 4, maxResetTimeoutMs: 4_000 });
    expect(circuit.stats().retryAfterMs).toBe(1_500);
    expect(failProbe(circuit)).toBe(4_000);
  });

  it('draws from Math.random, within the range, and spread out', () => {
    const durations = Array.from(
      { length: 300 },
      (_, i) => openCircuit({ jitter: 0.3 }, `c${i}`).stats().retryAfterMs,
    );
    for (const duration of durations) {
      expect(duration).toBeGreaterThanOrEqual(700);
      expect(duration).toBeLessThanOrEqual(1_300);
    }
    expect(new Set(durations).size).toBeGreaterThan(100);
    expect(Math.min(...durations)).toBeLessThan(800);
    expect(Math.max(...durations)).toBeGreaterThan(1_200);
  });

  it('is 0 by default: the open duration is exact', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    expect(openCircuit().stats().retryAfterMs).toBe(1_000);
    expect(new Circuit('x').options.jitter).toBe(0);
  });

  it('at 1 may let a probe through at once', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const circuit = new Circuit('payments', { failureThreshold: 1, jitter: 1 });
    run(circuit, 'F');
    expect(circuit.state).toBe(CircuitState.HalfOpen);
  });
});
