import { jest } from '@jest/globals';
import { Circuit, CircuitState, type CircuitStateChange } from '../../lib/index.js';
import { answerOf, failsAfter, run, takes } from './circuit-test-kit.js';

/** Runs one call that takes `ms` of the fake clock and returns what the caller got. */
async function callTaking(circuit: Circuit, ms: number, fn: () => unknown = takes(ms)) {
  const answer = answerOf(circuit, fn);
  await jest.advanceTimersByTimeAsync(ms);
  return answer;
}

describe('Circuit: slowCallDurationMs and slowCallRateThreshold', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('counts a call that takes at least slowCallDurationMs as slow, not one a millisecond shorter', async () => {
    const circuit = new Circuit('search', { slowCallDurationMs: 100 });
    await callTaking(circuit, 99);
    expect(circuit.stats().slowCalls).toBe(0);
    await callTaking(circuit, 100);
    expect(circuit.stats().slowCalls).toBe(1);
    await callTaking(circuit, 5_000);
    expect(circuit.stats().slowCalls).toBe(2);
  });

  it('times sync functions too', () => {
    const circuit = new Circuit('search', { slowCallDurationMs: 100 });
    const value = circuit.executeSync(() => {
      jest.advanceTimersByTime(150); // the function's own work, on the fake clock
      return 'done';
    });
    expect(value).toBe('done');
    expect(circuit.stats().slowCalls).toBe(1);
  });

  it('a slow success is still a success to the caller and in the counts, and slow', async () => {
    const circuit = new Circuit('search', { slowCallDurationMs: 100 });
    const value = { rows: 3 };
    await expect(callTaking(circuit, 200, takes(200, value))).resolves.toEqual({ value });
    const answer = (await callTaking(circuit, 200, takes(200, value))) as { value: unknown };
    expect(answer.value).toBe(value);
    expect(circuit.stats()).toMatchObject({ successes: 2, failures: 0, slowCalls: 2 });
  });

  it('a slow failure is both a failure and slow', async () => {
    const error = new Error('down');
    const circuit = new Circuit('search', { slowCallDurationMs: 100 });
    expect(await callTaking(circuit, 100, failsAfter(100, error))).toEqual({ thrown: error });
    expect(circuit.stats()).toMatchObject({ failures: 1, slowCalls: 1 });
  });

  it('opens when slow / calls reaches slowCallRateThreshold, with the reason slow_call_rate', async () => {
    const changes: CircuitStateChange[] = [];
    const circuit = new Circuit('search', {
      slowCallDurationMs: 100,
      slowCallRateThreshold: 0.5,
      minimumThroughput: 4,
      onStateChange: (change) => changes.push(change),
    });
    await callTaking(circuit, 10);
    await callTaking(circuit, 10);
    await callTaking(circuit, 150);
    expect(circuit.state).toBe(CircuitState.Closed); // 1 of 3, under the throughput anyway
    await callTaking(circuit, 150); // 2 of 4 = 0.5: reached, by successful calls
    expect(circuit.state).toBe(CircuitState.Open);
    expect(circuit.stats()).toMatchObject({ failures: 0, slowCallRate: 0.5, windowCalls: 4 });
    expect(changes).toEqual([expect.objectContaining({ to: 'open', reason: 'slow_call_rate' })]);
  });

  it('stays closed below the slow-call rate', async () => {
    const circuit = new Circuit('search', {
      slowCallDurationMs: 100,
      slowCallRateThreshold: 0.5,
      minimumThroughput: 4,
    });
    for (const ms of [150, 10, 10, 10, 150, 10]) await callTaking(circuit, ms);
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.stats().slowCallRate).toBe(2 / 6);
  });

  it('waits for minimumThroughput calls, 10 by default', async () => {
    const circuit = new Circuit('search', { slowCallDurationMs: 100, slowCallRateThreshold: 1 });
    for (let i = 0; i < 9; i++) await callTaking(circuit, 100);
    expect(circuit.state).toBe(CircuitState.Closed);
    await callTaking(circuit, 100);
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('forgets slow calls older than the window', async () => {
    const circuit = new Circuit('search', {
      slowCallDurationMs: 100,
      slowCallRateThreshold: 0.5,
      minimumThroughput: 2,
      windowMs: 1_000,
    });
    await callTaking(circuit, 100);
    expect(circuit.stats()).toMatchObject({ windowCalls: 1, slowCallRate: 1 });
    jest.advanceTimersByTime(1_000);
    expect(circuit.stats()).toMatchObject({ windowCalls: 0, slowCallRate: 0 });
    await callTaking(circuit, 10); // with the old slow call: 1 of 2
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('opens on a fast success when older fast calls leaving the window raised the slow rate', async () => {
    const circuit = new Circuit('search', {
      slowCallDurationMs: 100,
      slowCallRateThreshold: 0.5,
      minimumThroughput: 3,
      windowMs: 10_000,
    });
    for (let i = 0; i < 4; i++) await callTaking(circuit, 10);
    jest.advanceTimersByTime(5_000);
    for (const ms of [150, 150, 10]) await callTaking(circuit, ms); // 2 of 7
    expect(circuit.state).toBe(CircuitState.Closed);
    jest.advanceTimersByTime(5_000); // the first four leave: 2 of 3
    await callTaking(circuit, 10); // 2 of 4
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('is off by default: no call is slow, and slowness alone never opens the circuit', async () => {
    const plain = new Circuit('plain');
    await callTaking(plain, 60_000);
    expect(plain.stats()).toMatchObject({ slowCalls: 0, slowCallRate: 0 });
    expect(plain.options.slowCallRateThreshold).toBeUndefined();

    const counted = new Circuit('counted', { slowCallDurationMs: 100, minimumThroughput: 1 });
    for (let i = 0; i < 20; i++) await callTaking(counted, 100);
    expect(counted.stats().slowCalls).toBe(20);
    expect(counted.state).toBe(CircuitState.Closed);
  });

  it('does not count ignored errors in the window, slow or not', async () => {
    const circuit = new Circuit('search', {
      slowCallDurationMs: 100,
      slowCallRateThreshold: 0.5,
      minimumThroughput: 1,
      isFailure: () => false,
    });
    await callTaking(circuit, 200, failsAfter(200));
    expect(circuit.stats()).toMatchObject({ ignored: 1, windowCalls: 0 });
    expect(circuit.state).toBe(CircuitState.Closed);
    run(circuit, 'S');
    expect(circuit.state).toBe(CircuitState.Closed);
  });
});
