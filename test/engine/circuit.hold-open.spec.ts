import { jest } from '@jest/globals';
import {
  Circuit,
  CircuitOpenError,
  CircuitState,
  type CircuitStateChange,
} from '../../lib/index.js';
import {
  answerOf,
  attempt,
  failsAfter,
  halfOpenCircuit,
  openCircuit,
  run,
  thrownBy,
} from './circuit-test-kit.js';

// holdOpen(ms): the dependency asked for room (an upstream's 429 or 503 with Retry-After). The
// circuit opens until then, reason `retry_after`, without counting a failure.

/** A closed circuit that opens on its first failure, with a state-change log. */
function closedCircuit(options = {}) {
  const changes: CircuitStateChange[] = [];
  const circuit = new Circuit('upstream', {
    failureThreshold: 1,
    resetTimeoutMs: 1_000,
    onStateChange: (change) => changes.push(change),
    ...options,
  });
  return { circuit, changes };
}

describe('Circuit: holdOpen()', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens a closed circuit for the time asked, reason retry_after, counting no failure', () => {
    const { circuit, changes } = closedCircuit();
    circuit.holdOpen(30_000);
    expect(circuit.state).toBe(CircuitState.Open);
    expect(changes).toEqual([
      expect.objectContaining({ from: 'closed', to: 'open', reason: 'retry_after' }),
    ]);
    expect(circuit.history().at(-1)).toMatchObject({ to: 'open', reason: 'retry_after' });
    expect(circuit.stats()).toMatchObject({
      failures: 0,
      consecutiveFailures: 0,
      retryAfterMs: 30_000,
    });
    expect(circuit.snapshot()).toMatchObject({ state: 'open', openRemainingMs: 30_000 });
  });

  it('refuses calls meanwhile as an open circuit does: CircuitOpenError, counted as rejections', async () => {
    const { circuit } = closedCircuit();
    circuit.holdOpen(30_000);
    jest.advanceTimersByTime(10_000);
    const fn = jest.fn(() => 'ok');
    const refusal = thrownBy(() => circuit.executeSync(fn));
    expect(refusal).toBeInstanceOf(CircuitOpenError);
    expect(refusal).toMatchObject({ state: 'open', retryAfterMs: 20_000 });
    expect(await answerOf(circuit, async () => 'ok')).toEqual({
      thrown: expect.any(CircuitOpenError),
    });
    expect(fn).not.toHaveBeenCalled();
    expect(circuit.stats()).toMatchObject({ rejections: 2, failures: 0, totalCalls: 2 });
  });

  it('is half-open once the time is over, and closes when the probe succeeds', () => {
    const { circuit, changes } = closedCircuit();
    circuit.holdOpen(5_000);
    jest.advanceTimersByTime(4_999);
    expect(circuit.state).toBe(CircuitState.Open);
    jest.advanceTimersByTime(1);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    run(circuit, 'S');
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(changes.map(({ reason }) => reason)).toEqual([
      'retry_after',
      'reset_timeout_elapsed',
      'probes_succeeded',
    ]);
  });

  it('is no flapping: an upstream throttling again and again is not the trip rules opening it', () => {
    const { circuit } = closedCircuit({ flapThreshold: 2 });
    for (let hold = 0; hold < 4; hold++) {
      circuit.holdOpen(1_000);
      jest.advanceTimersByTime(1_000);
      run(circuit, 'S'); // the probe closes it
    }
    expect(circuit.stats().flapping).toBe(false);
    for (let trip = 0; trip < 3; trip++) {
      run(circuit, 'F'); // the trip rules open it
      jest.advanceTimersByTime(1_000);
      run(circuit, 'S');
    }
    expect(circuit.stats().flapping).toBe(true);
  });

  it('does not advance the backoff: a probe failing after the hold opens for the first step', () => {
    const { circuit } = closedCircuit({ backoffMultiplier: 2 });
    circuit.holdOpen(7_000);
    expect(circuit.snapshot().backoffStep).toBe(0);
    jest.advanceTimersByTime(7_000);
    run(circuit, 'F'); // the probe
    expect(circuit.state).toBe(CircuitState.Open);
    // resetTimeoutMs × 2 for one failed probe: the hold itself was no step.
    expect(circuit.stats().retryAfterMs).toBe(2_000);
    expect(circuit.snapshot().backoffStep).toBe(1);
  });

  it('keeps the backoff step an open circuit has reached', () => {
    const circuit = openCircuit({ backoffMultiplier: 2, maxResetTimeoutMs: 60_000 });
    jest.advanceTimersByTime(1_000);
    run(circuit, 'F'); // a failed probe: step 1, open 2 s
    expect(circuit.snapshot().backoffStep).toBe(1);
    circuit.holdOpen(10_000);
    expect(circuit.snapshot().backoffStep).toBe(1);
    jest.advanceTimersByTime(10_000);
    run(circuit, 'F'); // the next probe fails: step 2, open 4 s
    expect(circuit.stats().retryAfterMs).toBe(4_000);
  });

  it('lengthens an open period, and never shortens it: the longer wins', () => {
    const changes: CircuitStateChange[] = [];
    const circuit = openCircuit({ resetTimeoutMs: 10_000, onStateChange: (c) => changes.push(c) });
    changes.length = 0;
    circuit.holdOpen(3_000);
    expect(circuit.stats().retryAfterMs).toBe(10_000);
    expect(changes).toEqual([]);
    circuit.holdOpen(25_000);
    expect(circuit.stats().retryAfterMs).toBe(25_000);
    expect(changes).toEqual([
      expect.objectContaining({ from: 'open', to: 'open', reason: 'retry_after' }),
    ]);
    circuit.holdOpen(20_000); // a second, shorter hold
    expect(circuit.stats().retryAfterMs).toBe(25_000);
    expect(changes).toHaveLength(1);
  });

  it('opens a half-open circuit; its probe in flight settles as a call of an earlier period', async () => {
    const circuit = halfOpenCircuit({ resetTimeoutMs: 1_000 });
    const probe = circuit.execute(failsAfter(500));
    circuit.holdOpen(30_000);
    expect(circuit.state).toBe(CircuitState.Open);
    jest.advanceTimersByTime(500);
    await expect(probe).rejects.toThrow('down');
    // Counted in the stats, but it decides nothing: not a failed probe, no backoff step.
    expect(circuit.stats()).toMatchObject({ state: 'open', retryAfterMs: 29_500, failures: 2 });
    expect(circuit.snapshot().backoffStep).toBe(0);
    expect(circuit.history().at(-1)).toMatchObject({ from: 'half_open', reason: 'retry_after' });
  });

  it('lets a failure in flight when it opens count in the stats only: it trips nothing', async () => {
    const { circuit, changes } = closedCircuit();
    const call = circuit.execute(failsAfter(100));
    circuit.holdOpen(1_000);
    jest.advanceTimersByTime(100);
    await expect(call).rejects.toThrow('down');
    expect(circuit.stats()).toMatchObject({
      state: 'open',
      failures: 1,
      consecutiveFailures: 0,
      retryAfterMs: 900,
    });
    expect(changes.map(({ reason }) => reason)).toEqual(['retry_after']);
  });

  it.each([CircuitState.ForcedOpen, CircuitState.Disabled])(
    'changes nothing in a %s circuit: the operator’s word wins',
    (state) => {
      const { circuit, changes } = closedCircuit();
      if (state === CircuitState.ForcedOpen) circuit.forceOpen();
      else circuit.disable();
      changes.length = 0;
      circuit.holdOpen(30_000);
      expect(circuit.state).toBe(state);
      expect(changes).toEqual([]);
      circuit.release();
      expect(circuit.state).toBe(CircuitState.Closed);
    },
  );

  it('changes nothing for a hold of 0 ms: there is nothing to wait for', () => {
    const { circuit, changes } = closedCircuit();
    circuit.holdOpen(0);
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(changes).toEqual([]);
    expect(attempt(circuit, () => 'ok')).toEqual({ value: 'ok' });
  });

  it('never holds longer than the circuit ever stays open (maxResetTimeoutMs)', () => {
    const { circuit } = closedCircuit({ maxResetTimeoutMs: 60_000 });
    circuit.holdOpen(3_600_000);
    expect(circuit.stats().retryAfterMs).toBe(60_000);
  });

  it('rounds a fraction of a millisecond up: the wait asked for is never cut short', () => {
    const { circuit } = closedCircuit();
    circuit.holdOpen(1_500.2);
    expect(circuit.stats().retryAfterMs).toBe(1_501);
  });

  it.each([Number.NaN, -1, Infinity, '30', undefined, null])(
    'throws a TypeError for %p, changing nothing',
    (bad) => {
      const { circuit, changes } = closedCircuit();
      expect(() => circuit.holdOpen(bad as number)).toThrow(
        new TypeError(
          `Circuit.holdOpen() takes a finite number of milliseconds ≥ 0, got ${String(bad)}`,
        ),
      );
      expect(circuit.state).toBe(CircuitState.Closed);
      expect(changes).toEqual([]);
    },
  );

  it('is taken back by restore() from its snapshot, with the time left', () => {
    const { circuit } = closedCircuit();
    circuit.holdOpen(30_000);
    jest.advanceTimersByTime(10_000);
    const snapshot = circuit.snapshot();
    const other = new Circuit('upstream', { maxResetTimeoutMs: 60_000 });
    other.restore(snapshot);
    expect(other.stats()).toMatchObject({ state: 'open', retryAfterMs: 20_000, failures: 0 });
  });
});
