import { jest } from '@jest/globals';
import {
  BulkheadFullError,
  Circuit,
  CircuitOpenError,
  CircuitOptionsError,
  CircuitState,
  isBulkheadFullError,
} from '../../lib/index.js';

// maxConcurrent and maxQueued: at most N calls at once, M waiting in order, any more refused
// at once with BulkheadFullError, which the circuit does not count as a failure.

/** A dependency whose calls wait until released; it records how many ran at once. */
function gate() {
  let running = 0;
  let most = 0;
  let ran = 0;
  const waiting: Array<() => void> = [];
  const fn = () =>
    new Promise<string>((resolve) => {
      running++;
      ran++;
      most = Math.max(most, running);
      waiting.push(() => {
        running--;
        resolve('ok');
      });
    });
  return {
    fn,
    releaseAll: () => waiting.splice(0).forEach((release) => release()),
    releaseOne: () => waiting.shift()?.(),
    stats: () => ({ running, most, ran }),
  };
}

describe('Circuit: bulkhead', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('is exact under 1,000 concurrent callers: 5 run, 10 wait, 985 are refused at once', async () => {
    const circuit = new Circuit('inventory', { maxConcurrent: 5, maxQueued: 10 });
    const dependency = gate();
    const answers = Array.from({ length: 1_000 }, () =>
      circuit.execute(dependency.fn).then(
        (value) => value,
        (error: unknown) => error,
      ),
    );
    await Promise.resolve();
    expect(dependency.stats()).toMatchObject({ running: 5, ran: 5 });
    expect(circuit.stats().bulkhead).toEqual({ active: 5, queued: 10, rejected: 985 });
    for (let i = 0; i < 20; i++) {
      dependency.releaseAll();
      await jest.advanceTimersByTimeAsync(0);
    }
    const results = await Promise.all(answers);
    expect(results.filter((r) => r === 'ok')).toHaveLength(15);
    const refused = results.filter(isBulkheadFullError);
    expect(refused).toHaveLength(985);
    expect(refused[0]).toBeInstanceOf(BulkheadFullError);
    expect(refused[0]).toMatchObject({ circuit: 'inventory', maxConcurrent: 5, maxQueued: 10 });
    expect(dependency.stats()).toMatchObject({ most: 5, ran: 15 });
    expect(circuit.stats()).toMatchObject({
      successes: 15,
      failures: 0,
      bulkhead: { active: 0, queued: 0, rejected: 985 },
    });
  });

  it('lets the waiting calls in, in order, as places free', async () => {
    const circuit = new Circuit('inventory', { maxConcurrent: 1, maxQueued: 3 });
    const order: number[] = [];
    let release: () => void = () => {};
    const answers = [0, 1, 2, 3].map((i) =>
      circuit.execute(
        () =>
          new Promise<void>((resolve) => {
            order.push(i);
            release = resolve;
          }),
      ),
    );
    for (let i = 0; i < 4; i++) {
      await jest.advanceTimersByTimeAsync(0);
      release();
    }
    await Promise.all(answers);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('does not count a refusal as a failure: the circuit stays closed', async () => {
    const circuit = new Circuit('inventory', { maxConcurrent: 1, failureThreshold: 1 });
    const dependency = gate();
    void circuit.execute(dependency.fn);
    await expect(circuit.execute(dependency.fn)).rejects.toBeInstanceOf(BulkheadFullError);
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.stats()).toMatchObject({ failures: 0, rejections: 0 });
    dependency.releaseAll();
  });

  it('takes no place for a call the open circuit refuses', async () => {
    const circuit = new Circuit('inventory', { maxConcurrent: 1 });
    circuit.forceOpen();
    await expect(circuit.execute(async () => 1)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(circuit.stats().bulkhead).toEqual({ active: 0, queued: 0, rejected: 0 });
  });

  it('takes no place for a call the half-open circuit refuses, every probe permit taken', async () => {
    jest.useFakeTimers();
    const circuit = new Circuit('inventory', {
      maxConcurrent: 2,
      failureThreshold: 1,
      resetTimeoutMs: 1_000,
    });
    await circuit.execute(async () => Promise.reject(new Error('down'))).catch(() => {});
    jest.advanceTimersByTime(1_000);
    const dependency = gate();
    void circuit.execute(dependency.fn); // the probe: one place, the one permit
    const refused = await circuit.execute(dependency.fn).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CircuitOpenError); // not BulkheadFullError, not queued
    expect(circuit.stats().bulkhead).toEqual({ active: 1, queued: 0, rejected: 0 });
    dependency.releaseAll();
    jest.useRealTimers();
  });

  it('starts its refusals afresh on reset(); calls running keep their places', async () => {
    const circuit = new Circuit('inventory', { maxConcurrent: 1 });
    const dependency = gate();
    void circuit.execute(dependency.fn);
    await circuit.execute(dependency.fn).catch(() => {});
    expect(circuit.stats().bulkhead).toEqual({ active: 1, queued: 0, rejected: 1 });
    circuit.reset();
    expect(circuit.stats().bulkhead).toEqual({ active: 1, queued: 0, rejected: 0 });
    dependency.releaseAll();
  });

  it('refuses a waiting call once it is let in, if the circuit opened meanwhile, and frees its place', async () => {
    const circuit = new Circuit('inventory', { maxConcurrent: 1, maxQueued: 2 });
    const dependency = gate();
    void circuit.execute(dependency.fn);
    const waiting = circuit.execute(dependency.fn).catch((e: unknown) => e);
    circuit.forceOpen();
    dependency.releaseAll();
    expect(await waiting).toBeInstanceOf(CircuitOpenError);
    expect(circuit.stats().bulkhead).toMatchObject({ active: 0, queued: 0 });
    expect(dependency.stats().ran).toBe(1);
  });

  it('lets a waiting call leave when its signal aborts, with its reason', async () => {
    const circuit = new Circuit('inventory', { maxConcurrent: 1, maxQueued: 1 });
    const dependency = gate();
    void circuit.execute(dependency.fn);
    const caller = new AbortController();
    const waiting = circuit
      .execute(dependency.fn, { signal: caller.signal })
      .catch((e: unknown) => e);
    expect(circuit.stats().bulkhead!.queued).toBe(1);
    caller.abort(new Error('user left'));
    expect(await waiting).toEqual(new Error('user left'));
    expect(circuit.stats().bulkhead).toEqual({ active: 1, queued: 0, rejected: 0 });
    dependency.releaseAll();
  });

  it('lets a waiting call leave after timeoutMs, refused (it never reached the dependency)', async () => {
    const circuit = new Circuit('inventory', { maxConcurrent: 1, maxQueued: 2, timeoutMs: 100 });
    const dependency = gate();
    const call = () => circuit.execute(dependency.fn).catch((e: unknown) => e);
    // One running, one waiting from 0 ms, one from 1 ms. At 100 ms the running call times out:
    // the first waiting one takes its place; at 101 ms the second has waited its timeoutMs and
    // leaves. (Waits and calls due at the same moment are judged together: a wait due then is
    // refused, the place freed at that moment notwithstanding.)
    const answers = [call(), call()];
    await jest.advanceTimersByTimeAsync(1);
    answers.push(call());
    await jest.advanceTimersByTimeAsync(100);
    const third = await answers[2];
    expect(third).toBeInstanceOf(BulkheadFullError);
    expect((third as BulkheadFullError).waited).toBe(true);
    expect(dependency.stats().ran).toBe(2);
    await jest.advanceTimersByTimeAsync(100);
    await Promise.all(answers);
    expect(circuit.stats()).toMatchObject({
      timeouts: 2,
      bulkhead: { active: 0, queued: 0, rejected: 1 },
    });
  });

  it('admits or refuses a sync call at once (a sync call cannot wait)', () => {
    const circuit = new Circuit('inventory', { maxConcurrent: 1, maxQueued: 5 });
    const dependency = gate();
    void circuit.execute(dependency.fn);
    expect(() => circuit.executeSync(() => 'sync')).toThrow(BulkheadFullError);
    dependency.releaseAll();
  });

  it('gives a sync call its place back when it returns or throws', () => {
    const circuit = new Circuit('inventory', { maxConcurrent: 1 });
    expect(circuit.executeSync(() => 'a')).toBe('a');
    expect(() =>
      circuit.executeSync(() => {
        throw new Error('down');
      }),
    ).toThrow('down');
    expect(circuit.executeSync(() => 'b')).toBe('b');
    expect(circuit.stats().bulkhead).toEqual({ active: 0, queued: 0, rejected: 0 });
  });

  // A sync caller gets the value itself, as returned (executeSync returns exactly what its
  // function returns): the circuit counts that, a success, with or without a bulkhead; awaiting
  // the value later is the caller's business. The place is given back at once.
  it.each([
    [
      'a then getter that throws',
      () => ({
        get then(): never {
          throw new Error('then cannot be read');
        },
      }),
    ],
    [
      'a Proxy whose traps throw',
      () =>
        new Proxy(
          {},
          {
            get() {
              throw new Error('trap');
            },
            getPrototypeOf() {
              throw new Error('trap');
            },
          },
        ),
    ],
  ])(
    'gives a sync call its place back when it returns a value with %s, counted as the caller saw it',
    (_name, make) => {
      const circuit = new Circuit('inventory', { maxConcurrent: 2 });
      const values = [make(), make()];
      expect(circuit.executeSync(() => values[0])).toBe(values[0]);
      expect(circuit.wrapSync(() => values[1])()).toBe(values[1]);
      expect(circuit.executeSync(() => 'next')).toBe('next'); // not BulkheadFullError
      expect(circuit.stats()).toMatchObject({
        successes: 3,
        failures: 0,
        inFlight: 0,
        bulkhead: { active: 0, queued: 0, rejected: 0 },
      });
    },
  );

  it('refuses maxQueued without maxConcurrent, and bad numbers', () => {
    expect(() => new Circuit('x', { maxQueued: 3 })).toThrow(CircuitOptionsError);
    expect(() => new Circuit('x', { maxConcurrent: 0 })).toThrow(CircuitOptionsError);
    expect(() => new Circuit('x', { maxConcurrent: 2, maxQueued: -1 })).toThrow(
      CircuitOptionsError,
    );
  });
});
