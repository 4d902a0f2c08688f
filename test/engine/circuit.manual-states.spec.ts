import { jest } from '@jest/globals';
import { Circuit, CircuitOpenError, CircuitState } from '../../lib/index.js';
import {
  FRESH_STATS,
  answerOf,
  attempt,
  fails,
  halfOpenCircuit,
  openCircuit,
  run,
  takes,
  thrownBy,
} from './circuit-test-kit.js';

/** A circuit brought to `state` by ordinary use or by hand. */
function circuitIn(state: CircuitState): Circuit {
  const circuit = new Circuit('ledger', { failureThreshold: 1, resetTimeoutMs: 1_000 });
  if (state === CircuitState.Open) run(circuit, 'F');
  if (state === CircuitState.HalfOpen) {
    run(circuit, 'F');
    jest.advanceTimersByTime(1_000);
  }
  if (state === CircuitState.ForcedOpen) circuit.forceOpen();
  if (state === CircuitState.Disabled) circuit.disable();
  expect(circuit.state).toBe(state);
  return circuit;
}

const everyState = Object.values(CircuitState);

describe('Circuit: forceOpen()', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each(everyState)('turns a %s circuit forced_open, rejecting every call', async (state) => {
    const circuit = circuitIn(state);
    circuit.forceOpen();
    expect(circuit.state).toBe(CircuitState.ForcedOpen);
    const fn = jest.fn(() => 'ok');
    const asyncFn = jest.fn(async () => 'ok');
    const rejection = thrownBy(() => circuit.executeSync(fn));
    expect(rejection).toBeInstanceOf(CircuitOpenError);
    expect(rejection).toMatchObject({ circuit: 'ledger', state: 'forced_open', retryAfterMs: 0 });
    expect(await answerOf(circuit, asyncFn)).toEqual({ thrown: expect.any(CircuitOpenError) });
    expect(fn).not.toHaveBeenCalled();
    expect(asyncFn).not.toHaveBeenCalled();
  });

  it('stays forced open however long it waits: only release() or reset() end it', () => {
    const circuit = circuitIn(CircuitState.ForcedOpen);
    jest.advanceTimersByTime(24 * 3_600_000);
    expect(circuit.state).toBe(CircuitState.ForcedOpen);
    expect(circuit.stats().retryAfterMs).toBe(0);
  });

  it('counts its refusals as rejections', () => {
    const circuit = circuitIn(CircuitState.ForcedOpen);
    for (let i = 0; i < 3; i++) attempt(circuit, () => 'ok');
    expect(circuit.stats()).toMatchObject({ rejections: 3, successes: 0, totalCalls: 3 });
  });

  it('makes the outcomes of probes in flight meaningless', async () => {
    const circuit = halfOpenCircuit({}, 'ledger');
    const probe = answerOf(circuit, takes(100));
    circuit.forceOpen();
    await jest.advanceTimersByTimeAsync(100);
    expect(await probe).toEqual({ value: 'ok' });
    expect(circuit.state).toBe(CircuitState.ForcedOpen);
  });
});

describe('Circuit: disable()', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each(everyState)('turns a %s circuit disabled, letting every call through', (state) => {
    const circuit = circuitIn(state);
    circuit.disable();
    expect(circuit.state).toBe(CircuitState.Disabled);
    const fns = Array.from({ length: 5 }, () => jest.fn(() => 'ok'));
    for (const fn of fns) expect(circuit.executeSync(fn)).toBe('ok');
    for (const fn of fns) expect(fn).toHaveBeenCalledTimes(1);
    expect(circuit.stats().retryAfterMs).toBe(0);
  });

  it('still counts every call', async () => {
    const circuit = new Circuit('ledger', {
      failureRateThreshold: 0.5,
      slowCallDurationMs: 100,
      timeoutMs: 1_000,
    });
    circuit.disable();
    run(circuit, 'SFF');
    attempt(circuit, fails(new Error('x')));
    const slow = answerOf(circuit, takes(100));
    await jest.advanceTimersByTimeAsync(100);
    await slow;
    const timedOut = answerOf(circuit, () => new Promise(() => {}));
    await jest.advanceTimersByTimeAsync(1_000);
    await timedOut;
    expect(circuit.stats()).toMatchObject({
      state: 'disabled',
      totalCalls: 6,
      successes: 2,
      failures: 4,
      timeouts: 1,
      slowCalls: 2, // the slow success, and the timed-out call
      consecutiveFailures: 1,
      windowCalls: 6,
      failureRate: 4 / 6,
    });
  });

  it('never opens, on consecutive failures, failure rate or slow-call rate', async () => {
    const circuit = new Circuit('ledger', {
      failureThreshold: 1,
      failureRateThreshold: 0.1,
      slowCallDurationMs: 10,
      slowCallRateThreshold: 0.1,
      minimumThroughput: 1,
    });
    circuit.disable();
    run(circuit, 'F'.repeat(50));
    for (let i = 0; i < 5; i++) {
      const slow = answerOf(circuit, takes(10));
      await jest.advanceTimersByTimeAsync(10);
      await slow;
    }
    expect(circuit.stats()).toMatchObject({ state: 'disabled', failureRate: 50 / 55 });
  });
});

describe('Circuit: release()', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ends forceOpen(): the circuit closes and lets calls through', () => {
    const circuit = circuitIn(CircuitState.ForcedOpen);
    circuit.release();
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.executeSync(() => 'ok')).toBe('ok');
  });

  it('ends disable(): the circuit closes, its rules starting afresh', () => {
    const circuit = new Circuit('ledger', {
      failureThreshold: 3,
      failureRateThreshold: 0.5,
      minimumThroughput: 4,
    });
    circuit.disable();
    run(circuit, 'FFFFFF');
    circuit.release();
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.stats()).toMatchObject({ consecutiveFailures: 0, windowCalls: 0, failures: 6 });
    run(circuit, 'FF');
    expect(circuit.state).toBe(CircuitState.Closed); // 2 in a row, 2 of 2 calls: not yet
    run(circuit, 'F');
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it.each([CircuitState.Closed, CircuitState.Open, CircuitState.HalfOpen])(
    'leaves a %s circuit as it is',
    (state) => {
      const circuit = circuitIn(state);
      const before = circuit.stats();
      circuit.release();
      expect(circuit.stats()).toEqual(before);
    },
  );
});

describe('Circuit: reset()', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each(everyState)('closes a %s circuit with fresh counters', (state) => {
    const circuit = circuitIn(state);
    run(circuit, 'SFS');
    circuit.reset();
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.stats()).toMatchObject({ ...FRESH_STATS, openUntil: null, retryAfterMs: 0 });
    expect(circuit.executeSync(() => 'ok')).toBe('ok');
  });

  it('starts the rules afresh: consecutive failures, window and backoff', () => {
    const circuit = new Circuit('ledger', {
      failureThreshold: 3,
      failureRateThreshold: 0.5,
      minimumThroughput: 4,
      resetTimeoutMs: 1_000,
      backoffMultiplier: 10,
    });
    run(circuit, 'SFF');
    circuit.reset();
    run(circuit, 'FF');
    expect(circuit.state).toBe(CircuitState.Closed); // 2 in a row, 2 of 2: under both rules
    run(circuit, 'F');
    expect(circuit.stats().retryAfterMs).toBe(1_000);
    jest.advanceTimersByTime(1_000);
    run(circuit, 'F'); // a failed probe: 10 s next
    circuit.reset();
    run(circuit, 'FFF');
    expect(circuit.stats().retryAfterMs).toBe(1_000); // the backoff, afresh
  });

  it('a call in flight when the circuit is reset no longer moves it', async () => {
    const circuit = new Circuit('ledger', { failureThreshold: 1 });
    let fail!: (error: Error) => void;
    const call = circuit.execute(
      () => new Promise((_resolve, reject) => (fail = reject)),
    ) as Promise<unknown>;
    circuit.reset();
    const error = new Error('late');
    fail(error);
    await expect(call).rejects.toBe(error);
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.stats().consecutiveFailures).toBe(0);
  });

  it('ends an open period: the next call runs', () => {
    const circuit = openCircuit({}, 'ledger');
    circuit.reset();
    const fn = jest.fn(() => 'ok');
    expect(circuit.executeSync(fn)).toBe('ok');
    expect(fn).toHaveBeenCalled();
  });
});
