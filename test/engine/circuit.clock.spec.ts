import { jest } from '@jest/globals';
import { Circuit, CircuitOpenError, CircuitState } from '../../lib/index.js';
import { openCircuit, run } from './circuit-test-kit.js';

// API.md: durations are measured on a monotonic clock; a wall-clock step never stretches or
// shortens an open circuit or the window. Nothing a circuit reports or waits for exceeds
// maxResetTimeoutMs, whatever the clock or another replica says. Jest's fake timers fake both
// clocks; jest.setSystemTime() steps only the wall clock, as an operator or NTP would.

const HOUR = 3_600_000;

describe('Circuit: a monotonic clock', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('stepping the wall clock back an hour while open changes no wait', async () => {
    const circuit = openCircuit({ resetTimeoutMs: 1_000 });
    jest.setSystemTime(Date.now() - HOUR);
    expect(circuit.stats().retryAfterMs).toBe(1_000);
    const refused = await circuit.execute(async () => 'no').catch((error: unknown) => error);
    expect((refused as CircuitOpenError).retryAfterMs).toBe(1_000);
    jest.advanceTimersByTime(1_000);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
  });

  it('stepping the wall clock forward an hour does not end an open period', () => {
    const circuit = openCircuit({ resetTimeoutMs: 1_000 });
    jest.setSystemTime(Date.now() + HOUR);
    expect(circuit.state).toBe(CircuitState.Open);
    expect(circuit.stats().retryAfterMs).toBe(1_000);
  });

  it('reports open-until by the wall clock as it now reads', () => {
    const circuit = openCircuit({ resetTimeoutMs: 1_000 });
    jest.setSystemTime(Date.now() - HOUR);
    expect(Date.parse(circuit.stats().openUntil!)).toBe(Date.now() + 1_000);
  });

  it('keeps no failure in the window longer than windowMs, whatever the wall clock does', () => {
    const circuit = new Circuit('inventory', {
      failureThreshold: Infinity,
      failureRateThreshold: 1,
      minimumThroughput: 2,
      windowMs: 10_000,
    });
    run(circuit, 'F');
    jest.setSystemTime(Date.now() - HOUR);
    jest.advanceTimersByTime(10_000);
    expect(circuit.stats().windowCalls).toBe(0);
    run(circuit, 'F'); // alone in the window: 1 call, below minimumThroughput
    expect(circuit.state).toBe(CircuitState.Closed);
  });
});

describe('Circuit: an open period from another replica is bounded by this circuit’s own cap', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each([
    ['a day ahead', Date.now() + 24 * HOUR],
    ['in year 2286', 1e13],
    ['beyond any date', 1e16],
  ])('clamps an open-until %s to maxResetTimeoutMs', (_what, openUntil) => {
    const circuit = new Circuit('inventory', { resetTimeoutMs: 1_000, maxResetTimeoutMs: 5_000 });
    circuit.adoptSharedState(CircuitState.Open, openUntil);
    const stats = circuit.stats(); // no RangeError: every date in it is valid
    expect(stats.state).toBe(CircuitState.Open);
    expect(stats.retryAfterMs).toBe(5_000);
    expect(Date.parse(stats.openUntil!)).toBe(Date.now() + 5_000);
  });

  it('takes an open-until in the past as over: half-open at once', () => {
    const circuit = new Circuit('inventory');
    circuit.adoptSharedState(CircuitState.Open, Date.now() - 10_000);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
  });
});
