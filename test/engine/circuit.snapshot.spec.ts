import { jest } from '@jest/globals';
import fc from 'fast-check';
import {
  Circuit,
  CIRCUIT_SNAPSHOT_VERSION,
  CircuitSnapshotError,
  CircuitState,
  type CircuitOptions,
  type CircuitSnapshot,
  type CircuitStateChange,
} from '../../lib/index.js';
import { attempt, fails, openCircuit, run } from './circuit-test-kit.js';

// snapshot() and restore(): a circuit carried over a restart as plain JSON, less the time the
// restart took; a snapshot that is wrong in any way changes nothing.

/** A snapshot as it comes back from storage: through JSON. */
const stored = (circuit: Circuit): CircuitSnapshot =>
  JSON.parse(JSON.stringify(circuit.snapshot())) as CircuitSnapshot;

/**
 * What `stats()` says that a snapshot carries: not the times it was read at, nor how long the
 * open period lasts in all (a restored one lasts what was left of it).
 */
const carried = (circuit: Circuit) => {
  const {
    lastStateChangeAt: _changed,
    openUntil: _until,
    openDurationMs: _duration,
    latency: _latency,
    ...rest
  } = circuit.stats();
  return rest;
};

describe('Circuit snapshot and restore', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('carries an open circuit through JSON: the time left, the backoff step and every counter', () => {
    const options: CircuitOptions = {
      failureThreshold: 1,
      resetTimeoutMs: 1_000,
      backoffMultiplier: 2,
    };
    const before = openCircuit(options);
    jest.advanceTimersByTime(1_000);
    attempt(before, fails()); // a failed probe: open for 2 s, the next for 4 s
    attempt(before, () => 'refused');
    jest.advanceTimersByTime(500);
    const snapshot = stored(before);
    expect(snapshot).toMatchObject({
      version: CIRCUIT_SNAPSHOT_VERSION,
      name: 'payments',
      state: 'open',
      openRemainingMs: 1_500,
      backoffStep: 1,
      counters: { failures: 2, rejections: 1, successes: 0 },
      window: null,
    });

    const after = new Circuit('payments', options);
    after.restore(snapshot);
    expect(carried(after)).toEqual(carried(before));
    expect(after.stats()).toMatchObject({ retryAfterMs: 1_500, nextOpenDurationMs: 4_000 });
    expect(after.stats().lastFailureAt).toBe(before.stats().lastFailureAt);
    jest.advanceTimersByTime(1_500);
    expect(after.state).toBe(CircuitState.HalfOpen);
  });

  it('counts the time passed since the snapshot was taken against the open period', () => {
    const snapshot = stored(openCircuit({ resetTimeoutMs: 1_000 }));
    jest.advanceTimersByTime(400);
    const after = new Circuit('payments', { resetTimeoutMs: 1_000 });
    after.restore(snapshot);
    expect(after.stats().retryAfterMs).toBe(600);

    jest.advanceTimersByTime(5_000);
    const late = new Circuit('payments', { resetTimeoutMs: 1_000 });
    late.restore(snapshot);
    expect(late.state).toBe(CircuitState.HalfOpen); // its period is over: the next call probes
    expect(attempt(late, () => 'probe')).toEqual({ value: 'probe' });
    expect(late.state).toBe(CircuitState.Closed);
  });

  it('takes no time off for a snapshot dated in the future (a clock behind the one that took it)', () => {
    const snapshot = stored(openCircuit({ resetTimeoutMs: 1_000 }));
    const after = new Circuit('payments', { resetTimeoutMs: 1_000 });
    after.restore({ ...snapshot, takenAt: new Date(Date.now() + 60_000).toISOString() });
    expect(after.stats().retryAfterMs).toBe(1_000);
  });

  it('never stays open longer than the restoring circuit ever would', () => {
    const snapshot = stored(openCircuit({ resetTimeoutMs: 600_000, maxResetTimeoutMs: 600_000 }));
    const after = new Circuit('payments', { resetTimeoutMs: 1_000, maxResetTimeoutMs: 5_000 });
    after.restore(snapshot);
    expect(after.stats().retryAfterMs).toBe(5_000);
  });

  it('restores a half-open circuit open with no time left: its next call is a probe', () => {
    const before = openCircuit();
    jest.advanceTimersByTime(1_000);
    expect(before.state).toBe(CircuitState.HalfOpen);
    const snapshot = stored(before);
    expect(snapshot).toMatchObject({ state: 'half_open', openRemainingMs: 0 });
    const after = new Circuit('payments');
    after.restore(snapshot);
    expect(after.state).toBe(CircuitState.HalfOpen);
    expect(after.stats().inFlight).toBe(0);
  });

  it('restores forced-open and disabled circuits as an operator left them', () => {
    const forced = new Circuit('payments');
    forced.forceOpen();
    const disabled = new Circuit('inventory');
    disabled.disable();
    const restoredForced = new Circuit('payments');
    restoredForced.restore(stored(forced));
    const restoredDisabled = new Circuit('inventory', { failureThreshold: 1 });
    restoredDisabled.restore(stored(disabled));
    expect(attempt(restoredForced, () => 'ok')).toMatchObject({
      thrown: { name: 'CircuitOpenError' },
    });
    run(restoredDisabled, 'FFF');
    expect(restoredDisabled.state).toBe(CircuitState.Disabled);
  });

  it('keeps the consecutive failures of a closed circuit: one more trips it', () => {
    const before = new Circuit('payments', { failureThreshold: 3 });
    run(before, 'SFF');
    const after = new Circuit('payments', { failureThreshold: 3 });
    after.restore(stored(before));
    expect(after.stats()).toMatchObject({ state: 'closed', consecutiveFailures: 2, successes: 1 });
    run(after, 'F');
    expect(after.state).toBe(CircuitState.Open);
  });

  it('reports the change with reason restored, and stops counting calls made before it', async () => {
    const changes: CircuitStateChange[] = [];
    const after = new Circuit('payments', {
      failureThreshold: 1,
      onStateChange: (c) => changes.push(c),
    });
    let fail!: (error: Error) => void;
    const inFlight = after.execute(() => new Promise((_resolve, reject) => (fail = reject)));
    after.restore(stored(openCircuit()));
    expect(changes).toEqual([
      expect.objectContaining({ from: 'closed', to: 'open', reason: 'restored' }),
    ]);
    after.reset();
    fail(new Error('late'));
    await expect(inFlight).rejects.toThrow('late');
    expect(after.state).toBe(CircuitState.Closed); // the late failure belonged to an earlier epoch
  });

  it('records the restored figures in the history', () => {
    const after = new Circuit('payments', { failureThreshold: 5 });
    const before = new Circuit('payments', { failureThreshold: 5 });
    run(before, 'FF');
    after.restore(stored(before));
    expect(after.history()).toEqual([]); // closed to closed: no change
    after.restore(stored(openCircuit({ failureThreshold: 1 })));
    expect(after.history()).toEqual([
      expect.objectContaining({ to: 'open', reason: 'restored', consecutiveFailures: 1 }),
    ]);
  });
});

describe('Circuit snapshot and restore: the window', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const timeWindow: CircuitOptions = {
    failureThreshold: Infinity,
    failureRateThreshold: 0.5,
    slowCallDurationMs: 50,
    slowCallRateThreshold: 0.9,
    minimumThroughput: 1_000,
    windowMs: 1_000,
  };
  const countWindow: CircuitOptions = {
    ...timeWindow,
    windowType: 'count',
    windowSize: 7,
    minimumThroughput: 7,
  };
  const step = fc.record({
    outcome: fc.constantFrom<Step['outcome']>('success', 'failure', 'slow'),
    waitMs: fc.integer({ min: 0, max: 400 }),
  });

  type Step = { outcome: 'success' | 'failure' | 'slow'; waitMs: number };

  /** One call, then a wait: a slow call takes 60 ms of the fake clock. */
  async function callAndWait(circuit: Circuit, { outcome, waitMs }: Step) {
    const answer = circuit.execute(async () => {
      if (outcome === 'slow') await new Promise((resolve) => setTimeout(resolve, 60));
      if (outcome === 'failure') throw new Error('down');
    });
    await jest.advanceTimersByTimeAsync(outcome === 'slow' ? 60 : 0);
    await answer.catch(() => {});
    await jest.advanceTimersByTimeAsync(waitMs);
  }

  const windowFigures = (circuit: Circuit) => {
    const { windowCalls, windowFailures, windowSlowCalls } = circuit.stats();
    return { windowCalls, windowFailures, windowSlowCalls };
  };

  it.each([
    ['time', timeWindow],
    ['count', countWindow],
  ])(
    'a %s window restored after a pause holds what the original holds at that moment, and goes on alike',
    async (_type, options) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { maxLength: 30 }),
          fc.integer({ min: 0, max: 12 }), // the pause, in tenths of the window
          fc.array(step, { maxLength: 10 }),
          async (before, pauseTenths, afterwards) => {
            const original = new Circuit('payments', options);
            for (const call of before) await callAndWait(original, call);
            const snapshot = stored(original);
            await jest.advanceTimersByTimeAsync(pauseTenths * 100);
            const restored = new Circuit('payments', options);
            restored.restore(snapshot);
            expect(windowFigures(restored)).toEqual(windowFigures(original));
            for (const call of afterwards) {
              await Promise.all([callAndWait(original, call), callAndWait(restored, call)]);
              expect(windowFigures(restored)).toEqual(windowFigures(original));
            }
          },
        ),
        { numRuns: 60 },
      );
    },
  );

  it('starts the window empty when it was taken under other window settings, and keeps the rest', () => {
    const before = new Circuit('payments', { ...countWindow, failureThreshold: 10 });
    run(before, 'SFF');
    for (const options of [
      { ...countWindow, windowSize: 8 },
      timeWindow,
      { ...timeWindow, windowMs: 2_000 },
      { failureThreshold: 10 },
    ]) {
      const after = new Circuit('payments', { ...options, failureThreshold: 10 });
      after.restore(stored(before));
      expect(after.stats()).toMatchObject({ windowCalls: 0, consecutiveFailures: 2, failures: 2 });
    }
  });

  it('counts a slow call as an ordinary one in a circuit that no longer watches slowness', () => {
    const watched = new Circuit('payments', countWindow);
    watched.restore({
      ...stored(watched),
      window: { type: 'count', size: 7, calls: [0, 1, 2, 3] },
    });
    expect(windowFigures(watched)).toEqual({
      windowCalls: 4,
      windowFailures: 2,
      windowSlowCalls: 2,
    });
    const { slowCallDurationMs: _d, slowCallRateThreshold: _t, ...unwatched } = countWindow;
    const plain = new Circuit('payments', unwatched);
    plain.restore({ ...stored(plain), window: { type: 'count', size: 7, calls: [0, 1, 2, 3] } });
    expect(windowFigures(plain)).toEqual({ windowCalls: 4, windowFailures: 2, windowSlowCalls: 0 });
  });
});

describe('Circuit restore: a snapshot it refuses', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const options: CircuitOptions = {
    failureRateThreshold: 0.5,
    windowType: 'count',
    windowSize: 4,
    minimumThroughput: 4,
  };
  const valid = (): CircuitSnapshot => {
    const circuit = new Circuit('payments', options);
    run(circuit, 'SF');
    return stored(circuit);
  };

  const faults: [string, (s: CircuitSnapshot) => unknown, RegExp][] = [
    ['an older version', (s) => ({ ...s, version: 0 }), /"version" must be 1 \(an older version/],
    ['a newer version', (s) => ({ ...s, version: 2 }), /"version" must be 1 \(a newer version/],
    ['no version', ({ version: _v, ...s }) => s, /"version" must be 1, got undefined/],
    ['another circuit', (s) => ({ ...s, name: 'inventory' }), /"name" must be "payments"/],
    ['an unknown state', (s) => ({ ...s, state: 'ajar' }), /"state" must be one of closed, open/],
    [
      'time left while closed',
      (s) => ({ ...s, openRemainingMs: 5 }),
      /"openRemainingMs" must be 0 when/,
    ],
    [
      'a negative counter',
      (s) => ({ ...s, counters: { ...s.counters, failures: -1 } }),
      /"counters.failures" must be an integer ≥ 0/,
    ],
    [
      'a counter as text',
      (s) => ({ ...s, counters: { ...s.counters, successes: '3' } }),
      /"counters.successes"/,
    ],
    ['a fractional backoff step', (s) => ({ ...s, backoffStep: 0.5 }), /"backoffStep"/],
    ['NaN failures in a row', (s) => ({ ...s, consecutiveFailures: NaN }), /"consecutiveFailures"/],
    ['a bad time', (s) => ({ ...s, takenAt: 'yesterday' }), /"takenAt" must be an ISO 8601 time/],
    ['a bad last failure', (s) => ({ ...s, lastFailureAt: 12 }), /"lastFailureAt"/],
    ['no window', ({ window: _w, ...s }) => s, /"window" must be an object/],
    [
      'an unknown window',
      (s) => ({ ...s, window: { type: 'sliding' } }),
      /"window.type" must be 'time' or 'count'/,
    ],
    [
      'a call that is no outcome',
      (s) => ({ ...s, window: { ...s.window, calls: [0, 4] } }),
      /"window.calls\[1\]" must be 0, 1, 2 or 3/,
    ],
    [
      'more calls than its size',
      (s) => ({ ...s, window: { ...s.window, calls: [0, 0, 0, 0, 0] } }),
      /"window.calls" must be an array of 0 to 4/,
    ],
    [
      'a window of size 0',
      (s) => ({ ...s, window: { type: 'count', size: 0, calls: [] } }),
      /"window.size" must be an integer in \[1, 100000\]/,
    ],
    [
      'a bucket with more failures than calls',
      (s) => ({
        ...s,
        window: { type: 'time', windowMs: 10_000, buckets: Array(10).fill([1, 2, 0]) },
      }),
      /"window.buckets\[0\]" must be \[calls, failures, slow\], neither above calls/,
    ],
    [
      'nine buckets',
      (s) => ({
        ...s,
        window: { type: 'time', windowMs: 10_000, buckets: Array(9).fill([0, 0, 0]) },
      }),
      /"window.buckets" must be an array of 10 entries/,
    ],
    [
      'a bucket with more calls than a bucket holds',
      (s) => ({
        ...s,
        window: {
          type: 'time',
          windowMs: 10_000,
          buckets: [[2 ** 53 - 1, 0, 2 ** 53 - 1], ...Array(9).fill([0, 0, 0])],
        },
      }),
      /"window.buckets\[0\]\[0\]" must be at most 67108862 \(what a bucket holds\)/,
    ],
    [
      'a backoff step while closed',
      (s) => ({ ...s, backoffStep: 40 }),
      /"backoffStep" must be 0 when the state is closed/,
    ],
    [
      'a backoff step while disabled',
      (s) => ({ ...s, state: 'disabled', backoffStep: 1 }),
      /"backoffStep" must be 0 when the state is disabled/,
    ],
    [
      'a backoff step past what its cap allows',
      (s) => ({ ...s, state: 'open', openRemainingMs: 100, backoffStep: 1 }),
      /"backoffStep" must be at most 0 \(where this circuit.s open duration stops growing\)/,
    ],
    [
      'more timeouts than failures',
      (s) => ({ ...s, counters: { ...s.counters, timeouts: s.counters.failures + 1 } }),
      /"counters.timeouts" must be at most counters.failures \(1\): a timeout is a failure/,
    ],
    [
      'more slow calls than calls',
      (s) => ({ ...s, counters: { ...s.counters, slowCalls: 3 } }),
      /"counters.slowCalls" must be at most the calls counted \(2\)/,
    ],
    [
      'more failures in a row than failures',
      (s) => ({ ...s, consecutiveFailures: 2 }),
      /"consecutiveFailures" must be at most counters.failures \(1\)/,
    ],
    ['an array', () => [], /"snapshot" must be an object/],
    ['null', () => null, /"snapshot" must be an object/],
  ];

  it.each(faults)('refuses %s with a clear error, and changes nothing', (_what, spoil, message) => {
    const circuit = new Circuit('payments', { ...options, failureThreshold: 1 });
    run(circuit, 'SSF');
    const before = JSON.stringify({
      ...circuit.stats(),
      snapshot: { ...circuit.snapshot(), takenAt: 0 },
    });
    let error: unknown;
    try {
      circuit.restore(spoil(valid()) as CircuitSnapshot);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(CircuitSnapshotError);
    expect((error as Error).message).toMatch(message);
    expect(
      JSON.stringify({ ...circuit.stats(), snapshot: { ...circuit.snapshot(), takenAt: 0 } }),
    ).toBe(before);
  });

  it('takes a backoff step up to the one whose open duration reaches the cap, no further', () => {
    // resetTimeoutMs 1 s × 2^step reaches maxResetTimeoutMs (300 s) at step 9 (512 s, capped).
    const backoff = { failureThreshold: 1, resetTimeoutMs: 1_000, backoffMultiplier: 2 };
    const open = { ...stored(openCircuit(backoff)), openRemainingMs: 1_000 };
    const circuit = new Circuit('payments', backoff);
    circuit.restore({ ...open, backoffStep: 9 });
    expect(circuit.stats().nextOpenDurationMs).toBe(300_000);
    expect(() => circuit.restore({ ...open, backoffStep: 10 })).toThrow(
      /"backoffStep" must be at most 9/,
    );
    // The case: a closed snapshot with step 40 would have opened the next trip for 300 s.
    expect(() =>
      circuit.restore({ ...open, state: CircuitState.Closed, openRemainingMs: 0, backoffStep: 40 }),
    ).toThrow(/"backoffStep" must be 0 when the state is closed/);
  });

  it('never counts its own backoff step past that one: what it writes, it takes back', () => {
    const backoff = { failureThreshold: 1, resetTimeoutMs: 1_000, backoffMultiplier: 2 };
    const circuit = openCircuit(backoff);
    for (let probe = 0; probe < 12; probe++) {
      jest.advanceTimersByTime(circuit.stats().retryAfterMs);
      attempt(circuit, fails());
    }
    expect(circuit.stats()).toMatchObject({ openDurationMs: 300_000, nextOpenDurationMs: 300_000 });
    const snapshot = stored(circuit);
    expect(snapshot.backoffStep).toBe(9);
    const restored = new Circuit('payments', backoff);
    restored.restore(snapshot);
    expect(restored.stats().nextOpenDurationMs).toBe(300_000);
  });

  it('reads no rate above 1 from the fullest bucket it takes, nor once that bucket is halved', async () => {
    const timeWindow: CircuitOptions = {
      slowCallRateThreshold: 0.5,
      slowCallDurationMs: 100,
      windowMs: 10_000,
      failureThreshold: Infinity,
    };
    const full = 2 ** 26 - 2;
    const circuit = new Circuit('payments', timeWindow);
    circuit.restore({
      ...stored(circuit),
      window: {
        type: 'time',
        windowMs: 10_000,
        buckets: [[full, 0, full], ...Array(9).fill([0, 0, 0])],
      },
    });
    expect(circuit.stats()).toMatchObject({ windowCalls: full, slowCallRate: 1 });
    // One more slow call fills the bucket: its counts are halved, slow calls with the rest.
    const slowCall = circuit.execute(() => new Promise((resolve) => setTimeout(resolve, 100)));
    await jest.advanceTimersByTimeAsync(100);
    await slowCall;
    expect(circuit.stats()).toMatchObject({ windowCalls: (full + 1 - 1) / 2, slowCallRate: 1 });
  });

  it('takes a copy: changing the snapshot afterwards changes nothing', () => {
    const snapshot = valid();
    const circuit = new Circuit('payments', options);
    circuit.restore(snapshot);
    (snapshot.window as { calls: number[] }).calls.push(1, 1);
    snapshot.counters.failures = 99;
    expect(circuit.stats()).toMatchObject({ windowCalls: 2, windowFailures: 1, failures: 1 });
  });
});
