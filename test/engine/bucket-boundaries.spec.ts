import { jest } from '@jest/globals';
import { Circuit, CircuitState } from '../../lib/index.js';
import { run } from './circuit-test-kit.js';

// A rolling window reads the clock only when its newest bucket may have ended, as the
// process-wide boundary timer tells it; otherwise a call costs no reading of the clock.

const rated = (windowMs: number) =>
  new Circuit('payments', {
    failureThreshold: Infinity,
    failureRateThreshold: 0.5,
    minimumThroughput: 2,
    windowMs,
  });

describe('bucket boundaries', () => {
  afterEach(() => jest.useRealTimers());

  it('records calls within one bucket without reading the clock', () => {
    jest.useFakeTimers();
    const circuit = rated(10_000);
    run(circuit, 'S'); // the first call finds the newest bucket and has its end watched
    const clock = jest.spyOn(performance, 'now');
    run(circuit, 'S'.repeat(1_000));
    expect(clock).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1_000); // the bucket ends: the next call reads the clock
    clock.mockClear();
    run(circuit, 'S'.repeat(1_000));
    // Once to find the new bucket, once to arm the timer for its end.
    expect(clock).toHaveBeenCalledTimes(2);
    expect(circuit.stats().windowCalls).toBe(2_001);
  });

  it('reads the clock on every call for buckets shorter than 10 ms', () => {
    jest.useFakeTimers();
    const circuit = rated(50);
    run(circuit, 'S');
    const clock = jest.spyOn(performance, 'now');
    run(circuit, 'SSSSSS');
    expect(clock.mock.calls.length).toBeGreaterThanOrEqual(6);
  });

  it('moves calls out of the window at its length, however the calls and the timer interleave', () => {
    jest.useFakeTimers();
    const circuit = rated(1_000);
    run(circuit, 'F');
    jest.advanceTimersByTime(500);
    run(circuit, 'S');
    jest.advanceTimersByTime(499); // the failure is 999 ms old: one bucket short of leaving
    expect(circuit.stats()).toMatchObject({ windowCalls: 2, windowFailures: 1 });
    jest.advanceTimersByTime(1);
    expect(circuit.stats()).toMatchObject({ windowCalls: 1, windowFailures: 0 });
    run(circuit, 'F'); // 1 failure of 2 calls: the rate reaches 0.5
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('keeps counting right when the timers are switched under it (fake, real, fake again)', () => {
    jest.useFakeTimers();
    const circuit = rated(1_000);
    run(circuit, 'F');
    jest.useRealTimers(); // the timer armed through the fake clock will never fire
    jest.useFakeTimers();
    jest.advanceTimersByTime(2_000);
    expect(circuit.stats().windowCalls).toBe(0);
    run(circuit, 'S');
    expect(circuit.stats().windowCalls).toBe(1);
  });

  it('lets calls leave with real timers, the boundary timer never keeping the process alive', async () => {
    const circuit = rated(200);
    run(circuit, 'F');
    expect(circuit.stats().windowCalls).toBe(1);
    // Waits for the condition, not a set time: the 20 ms buckets end by the real clock.
    while (circuit.stats().windowCalls !== 0) await new Promise((r) => setTimeout(r, 10));
    run(circuit, 'S');
    expect(circuit.stats()).toMatchObject({ windowCalls: 1, windowFailures: 0 });
  });
});
