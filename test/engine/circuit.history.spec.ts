import { jest } from '@jest/globals';
import { Circuit, CircuitState, type CircuitOptions } from '../../lib/index.js';
import { halfOpenCircuit, openCircuit, run } from './circuit-test-kit.js';

// What operators ask once a circuit tripped: what happened to it (its last state changes, each
// with the figures that explain it), whether it flaps, and how long it stays open.

describe('Circuit: history()', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('keeps each state change with from, to, reason, time and the figures at that moment', () => {
    const circuit = new Circuit('inventory', {
      failureThreshold: Infinity,
      failureRateThreshold: 0.5,
      minimumThroughput: 4,
      resetTimeoutMs: 1_000,
    });
    run(circuit, 'SFSF');
    jest.advanceTimersByTime(1_000);
    run(circuit, 'S'); // a probe: closes it
    circuit.forceOpen();
    const history = circuit.history();
    expect(history.map(({ from, to, reason }) => `${from}→${to}:${reason}`)).toEqual([
      'closed→open:failure_rate',
      'open→half_open:reset_timeout_elapsed',
      'half_open→closed:probes_succeeded',
      'closed→forced_open:forced_open',
    ]);
    expect(history[0]).toMatchObject({
      consecutiveFailures: 1,
      failureRate: 0.5,
      slowCallRate: 0,
      p99Ms: null, // calls are not timed here
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('gives the p99 latency of the window at that moment, when calls are timed', async () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1, trackLatency: true });
    const call = circuit
      .execute(
        () => new Promise((_resolve, reject) => setTimeout(() => reject(new Error('down')), 40)),
      )
      .catch(() => {});
    await jest.advanceTimersByTimeAsync(40);
    await call;
    const [opened] = circuit.history();
    expect(opened!.to).toBe('open');
    expect(Math.abs(opened!.p99Ms! - 40) / 40).toBeLessThanOrEqual(0.05);
  });

  it('keeps the last historySize, oldest first (50 by default), and none with 0', () => {
    const circuit = new Circuit('inventory', { historySize: 3 });
    for (let i = 0; i < 5; i++) {
      if (i % 2) circuit.release();
      else circuit.forceOpen();
    }
    expect(circuit.history().map(({ to }) => to)).toEqual(['forced_open', 'closed', 'forced_open']);
    expect(new Circuit('a').options.historySize).toBe(50);
    const none = new Circuit('b', { historySize: 0 });
    none.forceOpen();
    expect(none.history()).toEqual([]);
  });

  it('is a copy: changing it changes nothing', () => {
    const circuit = new Circuit('inventory');
    circuit.forceOpen();
    circuit.history().pop();
    expect(circuit.history()).toHaveLength(1);
  });
});

describe('Circuit: flapping', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const options: CircuitOptions = {
    failureThreshold: 1,
    resetTimeoutMs: 100,
    flapThreshold: 3,
    flapWindowMs: 60_000,
  };

  /** Opens from closed, then recovers: one flap. */
  function flap(circuit: Circuit): void {
    run(circuit, 'F');
    jest.advanceTimersByTime(100);
    run(circuit, 'S');
    expect(circuit.state).toBe(CircuitState.Closed);
  }

  it('says so in stats() once it opened more than flapThreshold times within flapWindowMs', () => {
    const circuit = new Circuit('inventory', options);
    for (let i = 0; i < 3; i++) flap(circuit);
    expect(circuit.stats().flapping).toBe(false); // 3 openings: not more than 3
    flap(circuit);
    expect(circuit.stats().flapping).toBe(true);
    jest.advanceTimersByTime(60_000); // the oldest openings leave the window
    expect(circuit.stats().flapping).toBe(false);
  });

  it('does not count a dependency that stays down: failed probes reopen it, they are not flaps', () => {
    const circuit = new Circuit('inventory', options);
    run(circuit, 'F');
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(100);
      run(circuit, 'F'); // a failed probe
    }
    expect(circuit.stats().flapping).toBe(false);
  });
});

describe('Circuit: open durations in stats()', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('nextOpenDurationMs: resetTimeoutMs while closed, backed off once more while probing', () => {
    const options = { resetTimeoutMs: 1_000, backoffMultiplier: 2, maxResetTimeoutMs: 5_000 };
    expect(new Circuit('a', options).stats().nextOpenDurationMs).toBe(1_000);
    const open = openCircuit(options);
    expect(open.stats()).toMatchObject({ openDurationMs: 1_000, nextOpenDurationMs: 2_000 });
    jest.advanceTimersByTime(1_000);
    run(open, 'F'); // the probe fails: open for 2 s
    expect(open.stats()).toMatchObject({ openDurationMs: 2_000, nextOpenDurationMs: 4_000 });
    const half = halfOpenCircuit(options, 'b');
    expect(half.stats()).toMatchObject({ openDurationMs: null, nextOpenDurationMs: 2_000 });
  });

  it('leaves jitter out of nextOpenDurationMs, and caps it', () => {
    const circuit = openCircuit({
      resetTimeoutMs: 1_000,
      backoffMultiplier: 10,
      maxResetTimeoutMs: 3_000,
      jitter: 0.5,
    });
    expect(circuit.stats().nextOpenDurationMs).toBe(3_000);
  });
});
