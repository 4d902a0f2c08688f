import { jest } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import {
  Circuit,
  CircuitOpenError,
  CircuitState,
  type CircuitStateChange,
} from '../../lib/index.js';
import {
  answerOf,
  attempt,
  failsAsync,
  halfOpenCircuit,
  openCircuit,
  run,
} from './circuit-test-kit.js';

const ok = async () => 'ok';

/** A probe that reaches the function and waits until `release()` to answer. */
function heldProbe() {
  let reached = 0;
  let release!: (outcome?: Error) => void;
  const gate = new Promise<void>((resolve, reject) => {
    release = (outcome) => (outcome === undefined ? resolve() : reject(outcome));
  });
  const probe = async () => {
    reached++;
    await gate;
    return 'ok';
  };
  return { probe, release, reached: () => reached };
}

describe('Circuit: open → half-open, decided from the clock', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('turns half-open when read after resetTimeoutMs (30 s by default), not a millisecond before', () => {
    const circuit = new Circuit('payments', { failureThreshold: 1 });
    run(circuit, 'F');
    jest.advanceTimersByTime(29_999);
    expect(circuit.state).toBe(CircuitState.Open);
    jest.advanceTimersByTime(1);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
  });

  it('turns half-open when used after the open duration: the call is a probe', () => {
    const changes: CircuitStateChange[] = [];
    const circuit = openCircuit({ onStateChange: (change) => changes.push(change) });
    jest.advanceTimersByTime(1_000); // nobody reads the circuit meanwhile
    expect(changes.map(({ to }) => to)).toEqual(['open']);
    const probe = jest.fn(() => 'ok');
    expect(circuit.executeSync(probe)).toBe('ok');
    expect(probe).toHaveBeenCalledTimes(1);
    expect(changes.map(({ to }) => to)).toEqual(['open', 'half_open', 'closed']);
  });

  it('runs no timer for the open period, however many circuits are open', () => {
    const timers = jest.getTimerCount();
    const circuits = Array.from({ length: 1_000 }, (_, i) => openCircuit({}, `c${i}`));
    expect(jest.getTimerCount()).toBe(timers);
    jest.advanceTimersByTime(1_000);
    expect(circuits.every((circuit) => circuit.state === CircuitState.HalfOpen)).toBe(true);
  });

  it('holds nothing in the event loop while open (real timers)', () => {
    jest.useRealTimers();
    const active = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    const before = active();
    const circuits = Array.from({ length: 100 }, (_, i) => openCircuit({}, `c${i}`));
    expect(active()).toBe(before);
    expect(circuits[0]!.state).toBe(CircuitState.Open);
  });

  it('follows the monotonic clock, not the wall clock: a jump of Date.now() changes nothing', () => {
    const circuit = openCircuit({ resetTimeoutMs: 60_000 });
    jest.setSystemTime(Date.now() + 60_000);
    expect(circuit.state).toBe(CircuitState.Open);
    jest.advanceTimersByTime(60_000);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
  });
});

describe('Circuit: half-open probes', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each([1, 3, 7])(
    'lets exactly halfOpenMaxCalls = %i of 1,000 concurrent callers reach the function',
    async (halfOpenMaxCalls) => {
      const circuit = halfOpenCircuit({ halfOpenMaxCalls, successThreshold: 1_000 });
      const { probe, release, reached } = heldProbe();
      const answers = Array.from({ length: 1_000 }, () => answerOf(circuit, probe));
      expect(reached()).toBe(halfOpenMaxCalls);
      release();
      const results = await Promise.all(answers);
      expect(reached()).toBe(halfOpenMaxCalls);
      expect(results.filter((r) => 'value' in r && r.value === 'ok')).toHaveLength(
        halfOpenMaxCalls,
      );
      const rejected = results.flatMap((r) => ('thrown' in r ? [r.thrown] : []));
      expect(rejected).toHaveLength(1_000 - halfOpenMaxCalls);
      for (const error of rejected) {
        expect(error).toBeInstanceOf(CircuitOpenError);
        // Every permit is taken: a retry makes sense once the oldest probe's time has run out.
        expect(error).toMatchObject({
          circuit: 'payments',
          state: 'half_open',
          retryAfterMs: 60_000,
        });
      }
      expect(circuit.stats().rejections).toBe(1_000 - halfOpenMaxCalls);
    },
  );

  it('lets one probe in by default', async () => {
    const circuit = halfOpenCircuit();
    const { probe, release, reached } = heldProbe();
    const first = answerOf(circuit, probe);
    const second = await answerOf(circuit, probe);
    expect(reached()).toBe(1);
    expect((second as { thrown: unknown }).thrown).toBeInstanceOf(CircuitOpenError);
    release();
    await expect(first).resolves.toEqual({ value: 'ok' });
  });

  it('counts probes in flight at once: a settled probe frees its place', async () => {
    const circuit = halfOpenCircuit({ halfOpenMaxCalls: 2, successThreshold: 5 });
    const first = heldProbe();
    const second = heldProbe();
    const a = answerOf(circuit, first.probe);
    const b = answerOf(circuit, second.probe);
    const third = heldProbe();
    await answerOf(circuit, third.probe); // rejected: two in flight
    expect(third.reached()).toBe(0);
    first.release();
    await a;
    const c = answerOf(circuit, third.probe); // one place free again
    expect(third.reached()).toBe(1);
    second.release();
    third.release();
    await Promise.all([b, c]);
    expect(circuit.state).toBe(CircuitState.HalfOpen); // 3 of 5 successes
  });

  it('closes on the successThreshold-th successful probe, not before (1 by default)', async () => {
    const once = halfOpenCircuit();
    await once.execute(ok);
    expect(once.state).toBe(CircuitState.Closed);

    const thrice = halfOpenCircuit({ successThreshold: 3 });
    await thrice.execute(ok);
    await thrice.execute(ok);
    expect(thrice.state).toBe(CircuitState.HalfOpen);
    await thrice.execute(ok);
    expect(thrice.state).toBe(CircuitState.Closed);
  });

  it('reopens on a counted failure of a probe, for the open duration again', async () => {
    const circuit = halfOpenCircuit({ successThreshold: 2 });
    await circuit.execute(ok);
    const error = new Error('still down');
    await expect(circuit.execute(failsAsync(error))).rejects.toBe(error); // the caller's own error
    expect(circuit.state).toBe(CircuitState.Open);
    expect(circuit.stats().retryAfterMs).toBe(1_000);
    const fn = jest.fn(ok);
    await expect(answerOf(circuit, fn)).resolves.toEqual({ thrown: expect.any(CircuitOpenError) });
    expect(fn).not.toHaveBeenCalled();
  });

  it('reopens at once on a failed probe, while other probes are in flight, which then change nothing', async () => {
    const circuit = halfOpenCircuit({ halfOpenMaxCalls: 3, successThreshold: 2 });
    const held = heldProbe();
    const slow = [answerOf(circuit, held.probe), answerOf(circuit, held.probe)];
    await answerOf(circuit, failsAsync());
    expect(circuit.state).toBe(CircuitState.Open);
    held.release();
    await Promise.all(slow);
    expect(circuit.state).toBe(CircuitState.Open); // two successes, but of a past half-open
    expect(circuit.stats().successes).toBe(2);
  });

  it('an ignored error of a probe neither closes nor reopens, and frees its place', async () => {
    const circuit = halfOpenCircuit();
    const ignored = new BadRequestException();
    await expect(circuit.execute(failsAsync(ignored))).rejects.toBe(ignored);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    expect(circuit.stats()).toMatchObject({ ignored: 1, successes: 0 });
    await circuit.execute(ok);
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('a slow probe reopens the circuit when slowness is what it watches', async () => {
    const circuit = halfOpenCircuit({ slowCallDurationMs: 100, slowCallRateThreshold: 1 });
    const answer = answerOf(circuit, () => new Promise((r) => setTimeout(() => r('late ok'), 100)));
    await jest.advanceTimersByTimeAsync(100);
    await expect(answer).resolves.toEqual({ value: 'late ok' });
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('keeps a sync probe sync', () => {
    const circuit = halfOpenCircuit();
    expect(circuit.executeSync(() => 42)).toBe(42);
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('a late answer of a call from before the circuit opened changes nothing', async () => {
    const circuit = new Circuit('payments', { failureThreshold: 1, resetTimeoutMs: 1_000 });
    let finish!: () => void;
    const late = circuit.execute(() => new Promise<string>((r) => (finish = () => r('late'))));
    await answerOf(circuit, failsAsync());
    jest.advanceTimersByTime(1_000);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    finish();
    await expect(late).resolves.toBe('late');
    expect(circuit.state).toBe(CircuitState.HalfOpen); // not a probe: it did not close it
    expect(circuit.stats().successes).toBe(1);
  });
});

describe('Circuit: closing after probes starts everything afresh', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('the consecutive failures', () => {
    const circuit = new Circuit('payments', { failureThreshold: 3, resetTimeoutMs: 1_000 });
    run(circuit, 'FFF');
    jest.advanceTimersByTime(1_000);
    run(circuit, 'S');
    expect(circuit.stats().consecutiveFailures).toBe(0);
    run(circuit, 'FF');
    expect(circuit.state).toBe(CircuitState.Closed);
    run(circuit, 'F');
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('the window', () => {
    const circuit = new Circuit('payments', {
      failureRateThreshold: 0.5,
      minimumThroughput: 4,
      resetTimeoutMs: 1_000,
    });
    run(circuit, 'SSFF');
    expect(circuit.state).toBe(CircuitState.Open);
    jest.advanceTimersByTime(1_000);
    run(circuit, 'S');
    expect(circuit.stats()).toMatchObject({ state: 'closed', windowCalls: 0 });
    run(circuit, 'SSF'); // 1 of 3; with the old window, 3 of 7
    run(circuit, 'S');
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('the backoff', () => {
    const circuit = new Circuit('payments', {
      failureThreshold: 1,
      resetTimeoutMs: 1_000,
      backoffMultiplier: 3,
    });
    run(circuit, 'F');
    jest.advanceTimersByTime(1_000);
    run(circuit, 'F'); // a failed probe: 3 s
    expect(circuit.stats().retryAfterMs).toBe(3_000);
    jest.advanceTimersByTime(3_000);
    run(circuit, 'S');
    expect(circuit.state).toBe(CircuitState.Closed);
    run(circuit, 'F');
    expect(circuit.stats().retryAfterMs).toBe(1_000);
  });

  it('and a closed circuit lets every call through again', () => {
    const circuit = halfOpenCircuit();
    run(circuit, 'S');
    const fns = Array.from({ length: 10 }, () => jest.fn(() => 'ok'));
    for (const fn of fns) expect(attempt(circuit, fn)).toEqual({ value: 'ok' });
    for (const fn of fns) expect(fn).toHaveBeenCalledTimes(1);
  });
});
