import { jest } from '@jest/globals';
import fc from 'fast-check';
import {
  CallTimeoutError,
  Circuit,
  CircuitOpenError,
  CircuitOptionsError,
  CircuitState,
  type CircuitOptions,
  type CircuitStateChange,
} from '../../lib/index.js';
import { answerOf, halfOpenCircuit, openCircuit } from './circuit-test-kit.js';

/** A call that never answers: a TCP black hole. */
const hangs = () => new Promise<never>(() => {});

/** A probe that answers only when told to. */
function gated<T>(value: T) {
  let answer!: () => void;
  const gate = new Promise<T>((resolve) => (answer = () => resolve(value)));
  return { fn: () => gate, answer };
}

describe('Circuit: probeTimeoutMs, a hung probe never wedges the circuit half-open', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('defaults to 60 s', () => {
    expect(new Circuit('inventory').options.probeTimeoutMs).toBe(60_000);
  });

  it('with the defaults, a probe that hangs reopens the circuit after 60 s (reason probe_timed_out)', async () => {
    const changes: CircuitStateChange[] = [];
    const circuit = halfOpenCircuit({ onStateChange: (change) => changes.push(change) });
    void answerOf(circuit, hangs);
    for (const wait of [100, 1_000, 5_000]) {
      jest.advanceTimersByTime(wait);
      expect(circuit.state).toBe(CircuitState.HalfOpen); // the probe may still answer
    }
    jest.advanceTimersByTime(60_000 - 6_100 - 1);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    jest.advanceTimersByTime(1);
    expect(circuit.state).toBe(CircuitState.Open);
    expect(changes.at(-1)).toMatchObject({
      from: 'half_open',
      to: 'open',
      reason: 'probe_timed_out',
    });
    // The circuit recovers by itself: a new probe after the open duration closes it.
    jest.advanceTimersByTime(circuit.stats().retryAfterMs);
    await expect(circuit.execute(async () => 'ok')).resolves.toBe('ok');
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('decides it from the clock: no timer runs for it', () => {
    const circuit = halfOpenCircuit({ probeTimeoutMs: 500 });
    const timers = jest.getTimerCount();
    void answerOf(circuit, hangs);
    expect(jest.getTimerCount()).toBe(timers);
    jest.advanceTimersByTime(500);
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('counts as a failed probe: the next open duration backs off', () => {
    const circuit = halfOpenCircuit({ probeTimeoutMs: 500, backoffMultiplier: 3 });
    void answerOf(circuit, hangs);
    jest.advanceTimersByTime(500);
    expect(circuit.state).toBe(CircuitState.Open);
    expect(circuit.stats().retryAfterMs).toBe(3_000); // resetTimeoutMs 1 s × 3
  });

  it('refuses other callers meanwhile, telling them when the oldest probe’s time runs out', async () => {
    const circuit = halfOpenCircuit({ probeTimeoutMs: 10_000, halfOpenMaxCalls: 2 });
    void answerOf(circuit, hangs);
    jest.advanceTimersByTime(3_000);
    void answerOf(circuit, hangs);
    jest.advanceTimersByTime(1_000);
    const refused = await answerOf(circuit, async () => 'no');
    expect((refused as { thrown: unknown }).thrown).toBeInstanceOf(CircuitOpenError);
    expect((refused as { thrown: CircuitOpenError }).thrown).toMatchObject({
      state: 'half_open',
      retryAfterMs: 6_000, // 10 s after the first probe, 4 s of which have passed
    });
  });

  it('measures from the oldest probe still running, whichever answered first', async () => {
    const circuit = halfOpenCircuit({
      probeTimeoutMs: 10_000,
      halfOpenMaxCalls: 2,
      successThreshold: 3,
    });
    void answerOf(circuit, hangs); // the oldest, at 0 s
    jest.advanceTimersByTime(4_000);
    const newer = gated('ok');
    const answered = answerOf(circuit, newer.fn); // at 4 s
    newer.answer();
    await expect(answered).resolves.toEqual({ value: 'ok' });
    jest.advanceTimersByTime(5_999);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    jest.advanceTimersByTime(1); // 10 s after the oldest
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('gives the probe’s caller its own answer whenever it comes, which changes nothing', async () => {
    const circuit = halfOpenCircuit({ probeTimeoutMs: 500 });
    const late = gated({ stock: 3 });
    const answer = answerOf(circuit, late.fn);
    jest.advanceTimersByTime(500);
    expect(circuit.state).toBe(CircuitState.Open);
    late.answer();
    await expect(answer).resolves.toEqual({ value: { stock: 3 } });
    expect(circuit.state).toBe(CircuitState.Open); // the late success closes nothing
    expect(circuit.stats()).toMatchObject({ successes: 1, inFlight: 0 });
  });

  it('leaves a probe that answers in time alone', async () => {
    const circuit = halfOpenCircuit({ probeTimeoutMs: 500 });
    const probe = gated('ok');
    const answer = answerOf(circuit, probe.fn);
    jest.advanceTimersByTime(499);
    probe.answer();
    await expect(answer).resolves.toEqual({ value: 'ok' });
    jest.advanceTimersByTime(10_000);
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('gives way to a shorter timeoutMs, which ends the probe first', async () => {
    const changes: string[] = [];
    const circuit = halfOpenCircuit({
      probeTimeoutMs: 10_000,
      timeoutMs: 200,
      onStateChange: ({ reason }) => changes.push(reason),
    });
    const answer = answerOf(circuit, hangs);
    await jest.advanceTimersByTimeAsync(200);
    expect(((await answer) as { thrown: unknown }).thrown).toBeInstanceOf(CallTimeoutError);
    expect(circuit.state).toBe(CircuitState.Open);
    expect(changes.at(-1)).toBe('probe_failed');
  });

  it('tells refused callers the shorter of the two bounds', async () => {
    const circuit = halfOpenCircuit({ probeTimeoutMs: 10_000, timeoutMs: 2_000 });
    void answerOf(circuit, hangs).catch(() => {});
    const refused = (await answerOf(circuit, async () => 'no')) as { thrown: CircuitOpenError };
    expect(refused.thrown.retryAfterMs).toBe(2_000);
    await jest.advanceTimersByTimeAsync(2_000);
  });

  it.each([0, -1, Number.NaN, '60000', Infinity])('refuses probeTimeoutMs %p', (probeTimeoutMs) => {
    expect(() => new Circuit('inventory', { probeTimeoutMs: probeTimeoutMs as number })).toThrow(
      CircuitOptionsError,
    );
  });
});

// A transition decided from the clock happens when its time runs out, whoever looks and when: a
// probe's deadline, then the open period from there. The first look after a quiet spell takes
// every step that has come due, each dated when it came due.
describe('Circuit: transitions decided from the clock are dated when their time ran out', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(new Date('2030-01-01T00:00:00.000Z'));
  });
  afterEach(() => jest.useRealTimers());

  const at = (ms: number) => new Date(Date.parse('2030-01-01T00:00:00.000Z') + ms).toISOString();

  /** Trips at 0 s, lets one probe hang from `resetTimeoutMs` (100 ms): its deadline is 300 ms later. */
  function hungProbe(options: CircuitOptions = {}) {
    const changes: CircuitStateChange[] = [];
    const circuit = openCircuit({
      resetTimeoutMs: 100,
      probeTimeoutMs: 300,
      onStateChange: (change) => changes.push(change),
      ...options,
    });
    jest.advanceTimersByTime(circuit.stats().retryAfterMs);
    void answerOf(circuit, hangs);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    return { circuit, changes };
  }

  const steps = (changes: readonly { from: string; to: string; reason: string; at: string }[]) =>
    changes.map(({ from, to, reason, at }) => ({ from, to, reason, at }));

  it('admits the first caller after a quiet spell as a probe: the reopened period ended long ago', async () => {
    const { circuit, changes } = hungProbe();
    jest.advanceTimersByTime(2_000); // 2.1 s: the probe ran out at 400 ms, the reopening at 500 ms
    await expect(answerOf(circuit, async () => 'ok')).resolves.toEqual({ value: 'ok' });
    const expected = [
      { from: 'closed', to: 'open', reason: 'consecutive_failures', at: at(0) },
      { from: 'open', to: 'half_open', reason: 'reset_timeout_elapsed', at: at(100) },
      { from: 'half_open', to: 'open', reason: 'probe_timed_out', at: at(400) },
      { from: 'open', to: 'half_open', reason: 'reset_timeout_elapsed', at: at(500) },
      { from: 'half_open', to: 'closed', reason: 'probes_succeeded', at: at(2_100) },
    ];
    expect(steps(changes)).toEqual(expected);
    expect(steps(circuit.history())).toEqual(expected);
  });

  it('reads the same from stats(): half-open since the reopened period ended', () => {
    const { circuit } = hungProbe();
    jest.advanceTimersByTime(2_000);
    expect(circuit.stats()).toMatchObject({
      state: 'half_open',
      lastStateChangeAt: at(500),
      retryAfterMs: 0,
      nextOpenDurationMs: 100,
    });
  });

  it('times the reopened period from the probe’s deadline, not from the look', async () => {
    const { circuit, changes } = hungProbe({ resetTimeoutMs: 1_000 });
    jest.advanceTimersByTime(1_000); // trips at 0, probe from 1 s, deadline 1.3 s, now 2 s
    const refused = (await answerOf(circuit, async () => 'no')) as { thrown: CircuitOpenError };
    expect(refused.thrown).toBeInstanceOf(CircuitOpenError);
    expect(refused.thrown.retryAfterMs).toBe(300); // open from 1.3 s to 2.3 s
    expect(circuit.stats()).toMatchObject({ openUntil: at(2_300), lastStateChangeAt: at(1_300) });
    expect(changes.at(-1)).toMatchObject({ reason: 'probe_timed_out', at: at(1_300) });
    jest.advanceTimersByTime(300);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
  });

  it('backs off from the deadline too, one step per failed probe', () => {
    const { circuit, changes } = hungProbe({ backoffMultiplier: 4 });
    jest.advanceTimersByTime(600); // now 700 ms; deadline 400 ms, open 400 ms from there: to 800 ms
    expect(circuit.state).toBe(CircuitState.Open);
    expect(circuit.stats()).toMatchObject({ retryAfterMs: 100, openUntil: at(800) });
    jest.advanceTimersByTime(1_000);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    expect(changes.at(-1)).toMatchObject({ reason: 'reset_timeout_elapsed', at: at(800) });
  });

  it('says the same after any quiet spell as a circuit watched every millisecond', () => {
    const options = fc.record({
      resetTimeoutMs: fc.integer({ min: 1, max: 500 }),
      probeTimeoutMs: fc.integer({ min: 1, max: 500 }),
      backoffMultiplier: fc.constantFrom(1, 2, 3),
      maxResetTimeoutMs: fc.integer({ min: 1, max: 2_000 }),
    });
    fc.assert(
      fc.property(options, fc.integer({ min: 0, max: 3_000 }), (given, quietMs) => {
        // Both tripped at one time, each with one probe hanging from the end of its open period.
        const [watchedOne, quietOne] = [openCircuit(given), openCircuit(given)];
        jest.advanceTimersByTime(given.resetTimeoutMs);
        void answerOf(watchedOne, hangs);
        void answerOf(quietOne, hangs);
        for (let ms = 0; ms < quietMs; ms++) {
          jest.advanceTimersByTime(1);
          void watchedOne.state;
        }
        const seen = (circuit: Circuit) => ({
          stats: circuit.stats(),
          history: steps(circuit.history()),
        });
        expect(seen(quietOne)).toEqual(seen(watchedOne));
      }),
      { numRuns: 40 },
    );
  });

  it('dates the end of an open period when it ended, read however late', () => {
    const changes: CircuitStateChange[] = [];
    const circuit = openCircuit({ onStateChange: (change) => changes.push(change) });
    jest.advanceTimersByTime(60_000);
    expect(circuit.stats()).toMatchObject({ state: 'half_open', lastStateChangeAt: at(1_000) });
    expect(changes.at(-1)).toMatchObject({ reason: 'reset_timeout_elapsed', at: at(1_000) });
  });
});
