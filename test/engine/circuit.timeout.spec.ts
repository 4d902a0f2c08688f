import { jest } from '@jest/globals';
import { CallTimeoutError, Circuit, CircuitState } from '../../lib/index.js';

describe('Circuit: timeoutMs', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('rejects with CallTimeoutError once the limit passes, aborts the signal, counts a failure', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 100, failureThreshold: 1 });
    let signal: AbortSignal | undefined;
    const call = circuit.execute((s) => {
      signal = s;
      return new Promise<string>(() => {}); // never answers
    });
    const outcome = call.catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(99);
    expect(signal!.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(error).toMatchObject({ circuit: 'inventory', timeoutMs: 100 });
    expect((error as CallTimeoutError).getStatus()).toBe(504);
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBe(error);
    expect(circuit.stats()).toMatchObject({ timeouts: 1, failures: 1 });
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('ignores a late settle of a timed-out call', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 100, failureThreshold: 2 });
    let answer!: (value: string) => void;
    const call = circuit.execute(() => new Promise<string>((resolve) => (answer = resolve)));
    const outcome = call.catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(100);
    expect(await outcome).toBeInstanceOf(CallTimeoutError);
    answer('late');
    await Promise.resolve();
    expect(circuit.stats()).toMatchObject({ successes: 0, failures: 1, consecutiveFailures: 1 });
  });

  it('hands a call that answers in time its own value, without a signal when it takes none', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 100 });
    let received: unknown = 'unset';
    const value = { sku: 'a' };
    const call = circuit.execute(function (this: unknown, ...args: unknown[]) {
      received = args[0];
      return Promise.resolve(value);
    });
    await expect(call).resolves.toBe(value);
    expect(received).toBeUndefined(); // declares no parameter: no signal is built
    const untimed = new Circuit('plain');
    await untimed.execute(async (signal) => expect(signal).toBeUndefined());
  });

  it('leaves no timer behind once calls settle, and shares one timer between calls', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 1_000 });
    const before = jest.getTimerCount();
    const calls = Array.from({ length: 50 }, () => circuit.execute(async () => 'ok'));
    expect(jest.getTimerCount()).toBeLessThanOrEqual(before + 1); // one shared deadline timer
    await Promise.all(calls);
    await jest.advanceTimersByTimeAsync(1_000); // the idle timer finds nothing and stops
    expect(jest.getTimerCount()).toBe(before);
  });
});
