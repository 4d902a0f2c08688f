import { jest } from '@jest/globals';
import { Circuit, CircuitOpenError, CircuitState, type CircuitOptions } from '../../lib/index.js';
import { halfOpenCircuit, thrownBy } from './circuit-test-kit.js';

// API.md: thenables that misbehave (a `then` that throws, callbacks called twice) count as
// exactly one call; the caller always gets what its function threw. Each case runs without and
// with timeoutMs (two different paths in the engine), and leaves inFlight and the probe permits
// exact: nothing is left pending, and no timer fires later for a call already answered.

const paths: Array<[string, CircuitOptions]> = [
  ['untimed', {}],
  ['timed', { timeoutMs: 50 }],
];

const thenThrows = (error: unknown): PromiseLike<never> => ({
  then() {
    throw error;
  },
});

/** A thenable that calls its callbacks more than once, or both of them. */
const callsTwice = (calls: (resolve: (v: unknown) => void, reject: (e: unknown) => void) => void) =>
  ({
    then: (resolve: (v: unknown) => void, reject: (e: unknown) => void) => calls(resolve, reject),
  }) as PromiseLike<unknown>;

/** A value whose `then` cannot be read at all. */
const thenGetterThrows = (error: unknown) =>
  Object.defineProperty({}, 'then', {
    get() {
      throw error;
    },
  });

/** A thrown value that throws from every trap that `instanceof` and friends use. */
function hostileProxy(): object {
  const trap = () => {
    throw new Error('trap');
  };
  return new Proxy(
    {},
    { getPrototypeOf: trap, get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap },
  );
}

describe.each(paths)('Circuit: misbehaving thenables and values (%s)', (_path, options) => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** After the call: nothing in flight, and no timeout fires later for it. */
  async function settledForGood(circuit: Circuit): Promise<void> {
    expect(circuit.stats().inFlight).toBe(0);
    const { timeouts } = circuit.stats();
    await jest.advanceTimersByTimeAsync(100);
    expect(circuit.stats().timeouts).toBe(timeouts);
  }

  it('a thenable whose then() throws: one failure, the caller gets that error', async () => {
    const circuit = new Circuit('inventory', options);
    const error = new Error('then threw');
    await expect(circuit.execute(() => thenThrows(error))).rejects.toBe(error);
    expect(circuit.stats()).toMatchObject({ failures: 1, successes: 0, totalCalls: 1 });
    await settledForGood(circuit);
  });

  it('a thenable whose then() throws, as a probe: the permit is not lost', async () => {
    const circuit = halfOpenCircuit({ ...options, halfOpenMaxCalls: 1 });
    await expect(circuit.execute(() => thenThrows(new Error('x')))).rejects.toThrow('x');
    expect(circuit.state).toBe(CircuitState.Open); // a failed probe
    jest.advanceTimersByTime(circuit.stats().retryAfterMs);
    await expect(circuit.execute(async () => 'ok')).resolves.toBe('ok');
    expect(circuit.state).toBe(CircuitState.Closed);
    await settledForGood(circuit);
  });

  it('a thenable that resolves twice counts one success', async () => {
    const circuit = new Circuit('inventory', options);
    const answer = circuit.execute(() =>
      callsTwice((resolve) => {
        resolve(1);
        resolve(2);
      }),
    );
    await expect(answer).resolves.toBe(1);
    expect(circuit.stats()).toMatchObject({
      successes: 1,
      failures: 0,
      totalCalls: 1,
      inFlight: 0,
    });
    await settledForGood(circuit);
  });

  it('a thenable that calls both callbacks counts only the first', async () => {
    const circuit = new Circuit('inventory', options);
    const answer = circuit.execute(() =>
      callsTwice((resolve, reject) => {
        resolve('first');
        reject(new Error('second'));
        reject(new Error('third'));
      }),
    );
    await expect(answer).resolves.toBe('first');
    expect(circuit.stats()).toMatchObject({
      successes: 1,
      failures: 0,
      totalCalls: 1,
      inFlight: 0,
    });
    await settledForGood(circuit);
  });

  it('a probe that settles twice frees one permit only: halfOpenMaxCalls 1 stays 1', async () => {
    const circuit = halfOpenCircuit({ ...options, halfOpenMaxCalls: 1, successThreshold: 3 });
    await circuit.execute(() =>
      callsTwice((resolve) => {
        resolve(1);
        resolve(2);
      }),
    );
    const reached = jest.fn();
    const held = circuit.execute(() => {
      reached();
      return new Promise(() => {});
    });
    held.catch(() => {});
    await expect(circuit.execute(async () => 'second')).rejects.toBeInstanceOf(CircuitOpenError);
    expect(reached).toHaveBeenCalledTimes(1);
    expect(circuit.stats()).toMatchObject({ successes: 1, inFlight: 1 });
  });

  it('a thrown Proxy whose traps throw: the caller gets the Proxy itself, counted once', async () => {
    const circuit = new Circuit('inventory', options);
    const proxy = hostileProxy();
    expect(
      thrownBy(() =>
        circuit.executeSync(() => {
          throw proxy;
        }),
      ),
    ).toBe(proxy);
    await expect(circuit.execute(() => Promise.reject(proxy))).rejects.toBe(proxy);
    await expect(
      circuit.execute(async () => {
        throw proxy;
      }),
    ).rejects.toBe(proxy);
    expect(circuit.stats()).toMatchObject({ failures: 3, totalCalls: 3 });
    await settledForGood(circuit);
  });

  it('a value whose then cannot be read: awaiting it fails, as await would', async () => {
    const circuit = new Circuit('inventory', options);
    const error = new Error('getter');
    await expect(circuit.execute(() => thenGetterThrows(error))).rejects.toBe(error);
    expect(circuit.stats()).toMatchObject({ failures: 1, totalCalls: 1 });
    // A sync caller does not await it: it gets the value, a success.
    const value = thenGetterThrows(error);
    expect(circuit.executeSync(() => value)).toBe(value);
    expect(circuit.stats()).toMatchObject({ successes: 1, totalCalls: 2 });
    await settledForGood(circuit);
  });
});
