import { jest } from '@jest/globals';
import { CallTimeoutError, Circuit, CircuitOpenError, CircuitState } from '../../lib/index.js';
import { thrownBy } from './circuit-test-kit.js';

// API.md: execute(fn) and wrap(fn) always return a promise, a refusal is a rejected promise and
// never a synchronous throw, whatever fn is; executeSync(fn) and wrapSync(fn) are for sync
// functions and throw when refused. A non-function is a TypeError, not a dependency failure.

/** Every kind of function a caller may hand `execute`. */
const functions: Array<[string, () => unknown]> = [
  ['a sync function', () => 'value'],
  ['an async function', async () => 'value'],
  ['a function returning a promise', () => Promise.resolve('value')],
  [
    'a function that throws',
    () => {
      throw new Error('own');
    },
  ],
];

describe('Circuit: execute() always returns a promise', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each(functions)(
    'rejects %s with CircuitOpenError while forced open: .catch() runs, nothing is thrown',
    async (_kind, fn) => {
      const circuit = new Circuit('inventory');
      circuit.forceOpen();
      const handle = jest.fn();
      let answer: Promise<unknown> | undefined;
      expect(() => (answer = circuit.execute(fn).catch(handle))).not.toThrow();
      await answer;
      expect(handle).toHaveBeenCalledWith(expect.any(CircuitOpenError));
    },
  );

  it.each(functions)('answers %s with a promise while closed', async (_kind, fn) => {
    const answer = new Circuit('inventory').execute(fn);
    expect(answer).toBeInstanceOf(Promise);
    await answer.catch(() => {});
  });

  it('resolves to a sync function’s value, and rejects with its error, the same objects', async () => {
    const circuit = new Circuit('inventory');
    const value = { sku: 1 };
    await expect(circuit.execute(() => value)).resolves.toBe(value);
    const error = new Error('own');
    await expect(
      circuit.execute(() => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect(circuit.stats()).toMatchObject({ successes: 1, failures: 1, inFlight: 0 });
  });

  it('counts a sync function at once, before the promise is awaited', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1 });
    void circuit
      .execute(() => {
        throw new Error('down');
      })
      .catch(() => {});
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('is typed as a promise of the function’s value', async () => {
    const circuit = new Circuit('inventory');
    const sync: Promise<number> = circuit.execute(() => 1);
    const async: Promise<string> = circuit.execute(async () => 'a');
    // @ts-expect-error -- a promise, not the value
    const notValue: number = circuit.execute(() => 1);
    void notValue;
    expect([await sync, await async]).toEqual([1, 'a']);
  });
});

describe('Circuit: executeSync() and wrapSync() for sync functions', () => {
  it('returns the value and throws the error at once', () => {
    const circuit = new Circuit('inventory');
    const value = { sku: 1 };
    expect(circuit.executeSync(() => value)).toBe(value);
    const error = new Error('own');
    expect(
      thrownBy(() =>
        circuit.executeSync(() => {
          throw error;
        }),
      ),
    ).toBe(error);
  });

  it('throws CircuitOpenError synchronously when refused', () => {
    const circuit = new Circuit('inventory');
    circuit.forceOpen();
    const fn = jest.fn(() => 'value');
    expect(thrownBy(() => circuit.executeSync(fn))).toBeInstanceOf(CircuitOpenError);
    expect(thrownBy(() => circuit.wrapSync(fn)())).toBeInstanceOf(CircuitOpenError);
    expect(fn).not.toHaveBeenCalled();
  });

  it('still counts a promise a sync-declared function returns, when it settles', async () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1 });
    const answer = circuit.executeSync(() => Promise.reject(new Error('late')));
    await expect(answer).rejects.toThrow('late');
    expect(circuit.state).toBe(CircuitState.Open);
  });
});

describe('Circuit: a non-function is a TypeError, not a dependency failure', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const notFunctions: unknown[] = [undefined, null, 42, 'fetch', {}, Promise.resolve(1)];

  it.each(notFunctions)(
    'execute(%p) rejects with a TypeError at once, counting nothing',
    async (value) => {
      const circuit = new Circuit('inventory', { failureThreshold: 5, timeoutMs: 100 });
      for (let i = 0; i < 5; i++) {
        await expect(circuit.execute(value as () => unknown)).rejects.toBeInstanceOf(TypeError);
      }
      expect(circuit.state).toBe(CircuitState.Closed);
      expect(circuit.stats()).toMatchObject({ totalCalls: 0, failures: 0, inFlight: 0 });
      await jest.advanceTimersByTimeAsync(200);
      expect(circuit.stats()).toMatchObject({ timeouts: 0, failures: 0 });
    },
  );

  it.each(notFunctions)('executeSync(%p) throws a TypeError, counting nothing', (value) => {
    const circuit = new Circuit('inventory', { failureThreshold: 1 });
    expect(thrownBy(() => circuit.executeSync(value as () => unknown))).toBeInstanceOf(TypeError);
    expect(circuit.stats()).toMatchObject({ totalCalls: 0, inFlight: 0 });
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it.each(notFunctions)('wrap(%p) and wrapSync(%p) throw a TypeError when wrapping', (value) => {
    const circuit = new Circuit('inventory');
    expect(() => circuit.wrap(value as () => unknown)).toThrow(TypeError);
    expect(() => circuit.wrapSync(value as () => unknown)).toThrow(TypeError);
  });

  it.each([-2, 1.5, Number.NaN, '1'])('wrap refuses signalAt %p', (signalAt) => {
    const circuit = new Circuit('inventory');
    expect(() => circuit.wrap(() => 1, { signalAt: signalAt as number })).toThrow(TypeError);
  });
});

describe('Circuit: wrap(fn, { signalAt }) hands a wrapped function the call’s signal', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('puts the signal in its place and aborts it on timeout', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 100 });
    let received: AbortSignal | undefined;
    const search = circuit.wrap(
      (query: string, signal?: AbortSignal) => {
        received = signal;
        expect(query).toBe('socks');
        return new Promise(() => {});
      },
      { signalAt: 1 },
    );
    const answer = search('socks').catch((error: unknown) => error);
    expect(received).toBeInstanceOf(AbortSignal);
    expect(received!.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(100);
    expect(await answer).toBeInstanceOf(CallTimeoutError);
    expect(received!.aborted).toBe(true);
    expect(received!.reason).toBeInstanceOf(CallTimeoutError);
  });

  it('follows a signal the caller passed there too', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: 10_000 });
    let received: AbortSignal | undefined;
    const search = circuit.wrap(
      (_query: string, signal?: AbortSignal) => {
        received = signal;
        return new Promise((_resolve, reject) =>
          signal!.addEventListener('abort', () => reject(signal!.reason)),
        );
      },
      { signalAt: 1 },
    );
    const caller = new AbortController();
    const answer = search('socks', caller.signal).catch((error: unknown) => error);
    expect(received).not.toBe(caller.signal);
    caller.abort(new Error('user left'));
    expect(received!.aborted).toBe(true);
    expect(await answer).toEqual(new Error('user left'));
  });

  it('leaves the argument as given without timeoutMs', async () => {
    const circuit = new Circuit('inventory');
    const given = new AbortController().signal;
    const seen: unknown[] = [];
    const search = circuit.wrap((...args: unknown[]) => seen.push(...args), { signalAt: 1 });
    await search('a');
    await search('b', given);
    expect(seen).toEqual(['a', 'b', given]);
  });
});
