import { jest } from '@jest/globals';
import { Circuit, CircuitState, type CircuitOptions } from '../../lib/index.js';

// A call that fails once its caller's signal has aborted is the caller giving up (a client gone,
// a deadline of its own), not the dependency failing: it is not counted, whatever the function
// threw. As in the outbound layer and for Observable methods. A failure before the abort counts.

/** A function that rejects with the signal's reason when it aborts, as fetch does. */
const listens = (signal: AbortSignal | undefined) =>
  new Promise<never>((_, reject) =>
    signal!.addEventListener('abort', () => reject(signal!.reason), { once: true }),
  );

const tripsAtOnce: CircuitOptions = { failureThreshold: 1, resetTimeoutMs: 1_000 };

describe('a call its caller gave up on', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each([
    ['untimed', {}],
    ['timed', { timeoutMs: 5_000 }],
    ['with retry', { retry: { attempts: 3, delayMs: 1 } }],
    ['with a bulkhead', { maxConcurrent: 1 }],
  ])('is not counted, %s (execute with a signal)', async (_, options) => {
    const circuit = new Circuit('c', { ...tripsAtOnce, ...options });
    const caller = new AbortController();
    const call = circuit.execute(listens, { signal: caller.signal });
    caller.abort(new Error('client gone'));
    await expect(call).rejects.toThrow('client gone');
    expect(circuit.stats()).toMatchObject({ state: CircuitState.Closed, failures: 0, ignored: 1 });
  });

  it('is not counted when the function reads the signal from its closure, not its parameter', async () => {
    const circuit = new Circuit('c', { ...tripsAtOnce, timeoutMs: 5_000 });
    const caller = new AbortController();
    const call = circuit.execute(() => listens(caller.signal), { signal: caller.signal });
    caller.abort(new Error('client gone'));
    await expect(call).rejects.toThrow('client gone');
    expect(circuit.stats()).toMatchObject({ state: CircuitState.Closed, failures: 0 });
  });

  it('is not counted through wrap() with signalAt', async () => {
    const circuit = new Circuit('c', { ...tripsAtOnce, timeoutMs: 5_000 });
    const quote = circuit.wrap((_sku: string, signal: AbortSignal) => listens(signal), {
      signalAt: 1,
    });
    const caller = new AbortController();
    const call = quote('sku-1', caller.signal);
    caller.abort(new Error('client gone'));
    await expect(call).rejects.toThrow('client gone');
    expect(circuit.stats()).toMatchObject({ state: CircuitState.Closed, failures: 0 });
  });

  it('frees a half-open probe permit without deciding anything', async () => {
    const circuit = new Circuit('c', { ...tripsAtOnce, halfOpenMaxCalls: 1 });
    await circuit.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    jest.advanceTimersByTime(1_000);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    const caller = new AbortController();
    const probe = circuit.execute(listens, { signal: caller.signal });
    caller.abort(new Error('client gone'));
    await expect(probe).rejects.toThrow('client gone');
    expect(circuit.state).toBe(CircuitState.HalfOpen); // not reopened
    await expect(circuit.execute(async () => 'ok')).resolves.toBe('ok'); // the permit is free
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('is not counted when it fails after retry.deadlineMs gave up on it', async () => {
    const circuit = new Circuit('c', {
      ...tripsAtOnce,
      retry: { attempts: 2, delayMs: 1, deadlineMs: 100 },
    });
    // Takes no signal: it fails on its own, after the deadline.
    const call = circuit.execute(
      () => new Promise((_, reject) => setTimeout(() => reject(new Error('down')), 150)),
    );
    const outcome = call.then(
      () => 'resolved',
      (error: Error) => error.name,
    );
    await jest.advanceTimersByTimeAsync(200);
    await expect(outcome).resolves.toBe('CallTimeoutError');
    expect(circuit.stats()).toMatchObject({ state: CircuitState.Closed, failures: 0, ignored: 1 });
  });

  it('counts a failure that came before the abort', async () => {
    const circuit = new Circuit('c', tripsAtOnce);
    const caller = new AbortController();
    await expect(
      circuit.execute(() => Promise.reject(new Error('down')), { signal: caller.signal }),
    ).rejects.toThrow('down');
    caller.abort();
    expect(circuit.stats()).toMatchObject({ state: CircuitState.Open, failures: 1 });
  });
});
