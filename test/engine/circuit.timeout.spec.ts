import { jest } from '@jest/globals';
import { CallTimeoutError, Circuit, CircuitState } from '../../lib/index.js';
import { answerOf, failsAfter, halfOpenCircuit, takes } from './circuit-test-kit.js';

const never = () => new Promise<never>(() => {});

describe('Circuit: timeoutMs', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('rejects with CallTimeoutError (circuit, timeoutMs) at timeoutMs and aborts the call’s signal', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 100 });
    let signal: AbortSignal | undefined;
    const answer = answerOf(circuit, (s) => {
      signal = s;
      return never();
    });
    expect(signal).toBeInstanceOf(AbortSignal);
    await jest.advanceTimersByTimeAsync(99);
    expect(signal!.aborted).toBe(false);
    expect(circuit.stats()).toMatchObject({ timeouts: 0, inFlight: 1 });
    await jest.advanceTimersByTimeAsync(1);
    const { thrown } = (await answer) as { thrown: unknown };
    expect(thrown).toBeInstanceOf(CallTimeoutError);
    expect(thrown).toMatchObject({ circuit: 'inventory', timeoutMs: 100 });
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBe(thrown);
  });

  it('counts a timeout as a failure, whatever isFailure says of errors', async () => {
    const circuit = new Circuit('inventory', {
      timeoutMs: 100,
      failureThreshold: 2,
      isFailure: () => false,
    });
    const first = answerOf(circuit, never);
    await jest.advanceTimersByTimeAsync(100);
    await first;
    expect(circuit.stats()).toMatchObject({
      timeouts: 1,
      failures: 1,
      consecutiveFailures: 1,
      lastFailureAt: new Date(Date.now()).toISOString(),
    });
    const second = answerOf(circuit, never);
    await jest.advanceTimersByTimeAsync(100);
    await second;
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('counts timeouts in the failure rate', async () => {
    const circuit = new Circuit('inventory', {
      timeoutMs: 100,
      failureThreshold: Infinity,
      failureRateThreshold: 0.5,
      minimumThroughput: 2,
    });
    await answerOf(circuit, async () => 'ok');
    const timedOut = answerOf(circuit, never);
    await jest.advanceTimersByTimeAsync(100);
    await timedOut;
    expect(circuit.stats()).toMatchObject({ failureRate: 0.5, windowCalls: 2 });
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('reopens a half-open circuit when its probe times out', async () => {
    const circuit = halfOpenCircuit({ timeoutMs: 100 });
    const probe = answerOf(circuit, never);
    await jest.advanceTimersByTimeAsync(100);
    expect(((await probe) as { thrown: unknown }).thrown).toBeInstanceOf(CallTimeoutError);
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('a late success of a timed-out call changes nothing', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 100, failureThreshold: 2 });
    const answer = answerOf(circuit, takes(150, 'late'));
    await jest.advanceTimersByTimeAsync(150);
    expect(((await answer) as { thrown: unknown }).thrown).toBeInstanceOf(CallTimeoutError);
    expect(circuit.stats()).toMatchObject({
      successes: 0,
      failures: 1,
      timeouts: 1,
      consecutiveFailures: 1, // not reset by the late success
      inFlight: 0,
    });
  });

  it('a late success of a timed-out probe does not close the circuit it reopened', async () => {
    const circuit = halfOpenCircuit({ timeoutMs: 100, resetTimeoutMs: 10 });
    const probe = answerOf(circuit, takes(150, 'late'));
    await jest.advanceTimersByTimeAsync(100);
    jest.advanceTimersByTime(10); // half-open again, by the clock
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    await jest.advanceTimersByTimeAsync(40); // the late answer
    await probe;
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    expect(circuit.stats().successes).toBe(0);
  });

  it('a late failure of a timed-out call is not counted again, nor left unhandled', async () => {
    jest.useRealTimers(); // Jest fails a test that leaves a rejection unhandled
    const circuit = new Circuit('inventory', { timeoutMs: 20, failureThreshold: 3 });
    // The function fails when told, once its call has timed out: a timer of its own could fire
    // before the deadline's on a machine that stalls between the two being set.
    let failLate!: (error: Error) => void;
    const answer = await answerOf(
      circuit,
      () => new Promise((_resolve, reject) => (failLate = reject)),
    );
    expect((answer as { thrown: unknown }).thrown).toBeInstanceOf(CallTimeoutError);
    failLate(new Error('late'));
    // A macrotask: the late rejection's reactions have run, and Node has reported it if unhandled.
    await new Promise((resolve) => setImmediate(resolve));
    expect(circuit.stats()).toMatchObject({ failures: 1, consecutiveFailures: 1, ignored: 0 });
  });

  it('hands a call that answers in time its own value or error, and never aborts its signal', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 100 });
    const value = { sku: 'a' };
    const error = new Error('own');
    let signal: AbortSignal | undefined;
    const success = answerOf(circuit, (s) => ((signal = s), takes(99, value)()));
    await jest.advanceTimersByTimeAsync(99);
    expect(await success).toEqual({ value });
    expect(((await success) as { value: unknown }).value).toBe(value);
    const failure = answerOf(circuit, failsAfter(50, error));
    await jest.advanceTimersByTimeAsync(50);
    expect(((await failure) as { thrown: unknown }).thrown).toBe(error);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(signal!.aborted).toBe(false);
    expect(circuit.stats()).toMatchObject({ timeouts: 0, successes: 1, failures: 1 });
  });

  it('is off by default: a call runs as long as it takes, with no signal', async () => {
    const circuit = new Circuit('inventory');
    expect(circuit.options.timeoutMs).toBeUndefined();
    let signal: AbortSignal | undefined | null = null;
    const answer = answerOf(circuit, (s) => ((signal = s), takes(10 * 60_000)()));
    expect(signal).toBeUndefined();
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(await answer).toEqual({ value: 'ok' });
    expect(circuit.stats()).toMatchObject({ timeouts: 0, successes: 1 });
  });

  it('passes a signal only to a function that declares a parameter for it', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 100 });
    let received: unknown[] = [];
    await circuit.execute(function (...args: unknown[]) {
      received = args;
      return Promise.resolve();
    });
    expect(received).toEqual([undefined]);
    await circuit.execute(async (signal) => {
      expect(signal).toBeInstanceOf(AbortSignal);
      expect(signal!.aborted).toBe(false);
    });
  });

  it('times each call from its own start', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 100, failureThreshold: Infinity });
    const first = answerOf(circuit, never);
    await jest.advanceTimersByTimeAsync(50);
    const second = answerOf(circuit, never);
    await jest.advanceTimersByTimeAsync(50);
    await first;
    expect(circuit.stats()).toMatchObject({ timeouts: 1, inFlight: 1 });
    await jest.advanceTimersByTimeAsync(49);
    expect(circuit.stats().timeouts).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    await second;
    expect(circuit.stats()).toMatchObject({ timeouts: 2, inFlight: 0 });
  });

  it('keeps each circuit’s own timeoutMs', async () => {
    const slow = new Circuit('slow', { timeoutMs: 300 });
    const fast = new Circuit('fast', { timeoutMs: 30 });
    const slowAnswer = answerOf(slow, never);
    const fastAnswer = answerOf(fast, never);
    await jest.advanceTimersByTimeAsync(30);
    expect(((await fastAnswer) as { thrown: unknown }).thrown).toMatchObject({ timeoutMs: 30 });
    expect(slow.stats().timeouts).toBe(0);
    await jest.advanceTimersByTimeAsync(270);
    expect(((await slowAnswer) as { thrown: unknown }).thrown).toMatchObject({
      circuit: 'slow',
      timeoutMs: 300,
    });
  });

  it('times wrapped functions out too', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 100 });
    const lookup = circuit.wrap((_sku: string) => never());
    const answer = lookup('a').catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(100);
    expect(await answer).toBeInstanceOf(CallTimeoutError);
  });

  it('leaves a sync function sync: it has finished when it returns', () => {
    const circuit = new Circuit('inventory', { timeoutMs: 100 });
    expect(circuit.executeSync(() => 42)).toBe(42);
    expect(circuit.stats()).toMatchObject({ successes: 1, inFlight: 0 });
  });
});

describe('Circuit: timeoutMs leaves no timer behind', () => {
  afterEach(() => jest.useRealTimers());

  it('shares one timer between calls, and none is left once calls settle and their deadline passes', async () => {
    jest.useFakeTimers();
    const circuit = new Circuit('inventory', { timeoutMs: 1_000 });
    const before = jest.getTimerCount();
    const calls = Array.from({ length: 50 }, () => circuit.execute(takes(10)));
    expect(jest.getTimerCount()).toBe(before + 50 + 1); // the calls' own, and one deadline timer
    await jest.advanceTimersByTimeAsync(10);
    await Promise.all(calls);
    expect(jest.getTimerCount()).toBeLessThanOrEqual(before + 1);
    await jest.advanceTimersByTimeAsync(990); // the deadline timer finds nothing and stops
    expect(jest.getTimerCount()).toBe(before);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(jest.getTimerCount()).toBe(before); // and does not come back
  });

  it('none after timed-out calls either', async () => {
    jest.useFakeTimers();
    const circuit = new Circuit('inventory', { timeoutMs: 100, failureThreshold: Infinity });
    const before = jest.getTimerCount();
    const calls = Array.from({ length: 20 }, () => answerOf(circuit, never));
    await jest.advanceTimersByTimeAsync(100);
    await Promise.all(calls);
    expect(jest.getTimerCount()).toBe(before);
  });

  it('never holds the process open, with real timers', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const circuit = new Circuit('inventory', { timeoutMs: 30_000 });
    const before = timers();
    let finish!: () => void;
    const call = circuit.execute(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(timers()).toBe(before); // waiting on a deadline keeps nothing alive
    finish();
    await call;
    expect(timers()).toBe(before);
  });
});
