import { jest } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import {
  CallTimeoutError,
  Circuit,
  CircuitOpenError,
  CircuitOptionsError,
  CircuitState,
  type CircuitOptions,
} from '../../lib/index.js';

// retry: each attempt a call of the circuit, exponential backoff with full jitter by default,
// never a refusal or an ignored error, within a budget, timeoutMs per attempt, deadlineMs over
// all, and the caller's signal ending a pending delay at once.

/** A dependency that fails its first `failures` calls, then answers `'ok'`; counts its calls. */
function flaky(failures: number, error: () => unknown = () => new Error('down')) {
  let calls = 0;
  const fn = async () => {
    calls++;
    if (calls <= failures) throw error();
    return 'ok';
  };
  return { fn, calls: () => calls };
}

const noJitter = (retry: CircuitOptions['retry'] = {}): CircuitOptions => ({
  failureThreshold: 100,
  retry: { jitter: 'none', ...retry },
});

describe('Circuit: retry', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Runs `execute(fn)` to its end on the fake clock; the answer, and the clock's time it took. */
  async function settle<T>(circuit: Circuit, fn: () => Promise<T>, signal?: AbortSignal) {
    const started = Date.now();
    const answer = circuit.execute(fn, { signal }).then(
      (value) => ({ value, tookMs: Date.now() - started }),
      (thrown: unknown) => ({ thrown, tookMs: Date.now() - started }),
    );
    await jest.runAllTimersAsync();
    return answer;
  }

  it('tries again until an attempt succeeds, each attempt counted by the circuit', async () => {
    const circuit = new Circuit('inventory', noJitter({ attempts: 3 }));
    const dependency = flaky(2);
    const answer = await settle(circuit, dependency.fn);
    expect(answer).toMatchObject({ value: 'ok' });
    expect(dependency.calls()).toBe(3);
    expect(circuit.stats()).toMatchObject({
      failures: 2,
      successes: 1,
      retry: { retries: 2, refused: 0, budgetExhausted: 0 },
    });
  });

  it('gives up after `attempts` in all, with the last error, the function’s own', async () => {
    const circuit = new Circuit('inventory', noJitter({ attempts: 3 }));
    const errors: Error[] = [];
    const answer = await settle(circuit, async () => {
      const error = new Error(`down ${errors.length}`);
      errors.push(error);
      throw error;
    });
    expect(errors).toHaveLength(3);
    expect(answer).toMatchObject({ thrown: errors[2] });
  });

  it('waits delayMs, then multiplier times more each time, up to maxDelayMs (jitter none)', async () => {
    const circuit = new Circuit(
      'inventory',
      noJitter({ attempts: 5, delayMs: 100, multiplier: 3, maxDelayMs: 500 }),
    );
    const attemptsAt: number[] = [];
    const started = Date.now();
    await settle(circuit, async () => {
      attemptsAt.push(Date.now() - started);
      throw new Error('down');
    });
    expect(attemptsAt).toEqual([0, 100, 400, 900, 1_400]); // delays 100, 300, 500 (capped), 500
  });

  it('spreads each delay between 0 and the computed one by default (full jitter)', async () => {
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.25);
    try {
      const circuit = new Circuit('inventory', { retry: { attempts: 3, delayMs: 400 } });
      const attemptsAt: number[] = [];
      const started = Date.now();
      await settle(circuit, async () => {
        attemptsAt.push(Date.now() - started);
        throw new Error('down');
      });
      expect(attemptsAt).toEqual([0, 100, 300]); // 0.25 × 400, then 0.25 × 800
    } finally {
      random.mockRestore();
    }
  });

  it('never retries an error the circuit ignores (a 4xx), nor one retryOn refuses', async () => {
    const client = flaky(5, () => new BadRequestException('bad sku'));
    const circuit = new Circuit('inventory', noJitter());
    expect(await settle(circuit, client.fn)).toMatchObject({
      thrown: expect.any(BadRequestException),
    });
    expect(client.calls()).toBe(1);

    const picky = new Circuit(
      'pricing',
      noJitter({ retryOn: (e) => (e as Error).message !== 'fatal' }),
    );
    const fatal = flaky(5, () => new Error('fatal'));
    await settle(picky, fatal.fn);
    expect(fatal.calls()).toBe(1);
  });

  it('stops the moment the circuit opens: no attempt is made only to be refused', async () => {
    const circuit = new Circuit('inventory', {
      failureThreshold: 2,
      retry: { attempts: 10, jitter: 'none' },
    });
    const dependency = flaky(100);
    const answer = await settle(circuit, dependency.fn);
    expect(dependency.calls()).toBe(2);
    expect(circuit.state).toBe(CircuitState.Open);
    expect((answer as { thrown: Error }).thrown.message).toBe('down'); // the dependency's error
    // A call refused at once is not retried either.
    const refused = await settle(circuit, dependency.fn);
    expect(refused).toMatchObject({ thrown: expect.any(CircuitOpenError) });
    expect(circuit.stats().rejections).toBe(1);
  });

  it('keeps retries within the budget: at most budgetRatio of first attempts plus minRetries', async () => {
    const circuit = new Circuit('inventory', {
      failureThreshold: 1_000,
      retry: { attempts: 2, jitter: 'none', delayMs: 0, budgetRatio: 0.2, minRetries: 0 },
    });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('down');
    };
    const answers = Array.from({ length: 100 }, () => circuit.execute(failing).catch(() => {}));
    await jest.runAllTimersAsync();
    await Promise.all(answers);
    expect(calls).toBe(120); // 100 first attempts, 20 retries: 1.2 times the traffic
    expect(circuit.stats().retry).toEqual({ retries: 20, refused: 0, budgetExhausted: 80 });
  });

  it('never goes past a fractional bound: 0.5 of one first attempt allows no retry, of two one', async () => {
    const circuit = new Circuit('inventory', {
      failureThreshold: 1_000,
      retry: { attempts: 2, jitter: 'none', delayMs: 1, budgetRatio: 0.5, minRetries: 0 },
    });
    const dependency = flaky(100);
    await settle(circuit, dependency.fn);
    expect(circuit.stats().retry).toEqual({ retries: 0, refused: 0, budgetExhausted: 1 });
    await settle(circuit, dependency.fn); // two first attempts: 0.5 × 2 = 1 retry
    expect(circuit.stats().retry).toEqual({ retries: 1, refused: 0, budgetExhausted: 1 });
  });

  it('starts its figures and its budget afresh on reset()', async () => {
    const circuit = new Circuit('inventory', {
      failureThreshold: 1_000,
      retry: { attempts: 2, jitter: 'none', delayMs: 1, budgetRatio: 0, minRetries: 1 },
    });
    const dependency = flaky(100);
    await settle(circuit, dependency.fn); // the one retry the budget allows
    await settle(circuit, dependency.fn); // refused by the budget
    expect(circuit.stats().retry).toEqual({ retries: 1, refused: 0, budgetExhausted: 1 });
    circuit.reset();
    expect(circuit.stats().retry).toEqual({ retries: 0, refused: 0, budgetExhausted: 0 });
    await settle(circuit, dependency.fn); // the budget allows one retry again
    expect(circuit.stats().retry).toEqual({ retries: 1, refused: 0, budgetExhausted: 0 });
  });

  it('always allows minRetries over the window, however few the calls', async () => {
    const circuit = new Circuit('inventory', {
      failureThreshold: 1_000,
      retry: { attempts: 3, jitter: 'none', budgetRatio: 0, minRetries: 3 },
    });
    const dependency = flaky(100);
    await settle(circuit, dependency.fn); // 1 + 2 retries
    await settle(circuit, dependency.fn); // 1 + 1 retry: the budget is spent
    expect(dependency.calls()).toBe(5);
    expect(circuit.stats().retry).toEqual({ retries: 3, refused: 0, budgetExhausted: 1 });
  });

  it('bounds each attempt by timeoutMs', async () => {
    const circuit = new Circuit('inventory', {
      failureThreshold: 100,
      timeoutMs: 100,
      retry: { attempts: 3, jitter: 'none', delayMs: 0 },
    });
    const answer = await settle(circuit, () => new Promise<never>(() => {}));
    expect(answer).toMatchObject({ thrown: expect.any(CallTimeoutError), tookMs: 300 });
    expect(circuit.stats()).toMatchObject({ timeouts: 3, retry: { retries: 2 } });
  });

  it('bounds the whole call by deadlineMs: the caller gets CallTimeoutError, the attempt its signal aborted', async () => {
    const circuit = new Circuit('inventory', {
      failureThreshold: 100,
      timeoutMs: 100,
      retry: { attempts: 10, jitter: 'none', delayMs: 0, deadlineMs: 250 },
    });
    const signals: AbortSignal[] = [];
    const answer = await settle(circuit, (signal?: AbortSignal) => {
      signals.push(signal!);
      return new Promise<never>(() => {});
    });
    expect(answer).toMatchObject({ thrown: expect.any(CallTimeoutError), tookMs: 250 });
    expect((answer as { thrown: CallTimeoutError }).thrown.timeoutMs).toBe(250);
    expect(signals).toHaveLength(3); // at 0, 100 and 200 ms
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });

  it('ends a pending delay at once when the caller’s signal aborts', async () => {
    const circuit = new Circuit('inventory', noJitter({ attempts: 3, delayMs: 10_000 }));
    const dependency = flaky(100);
    const caller = new AbortController();
    const answer = circuit
      .execute(dependency.fn, { signal: caller.signal })
      .catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(1_000); // the first attempt failed; the delay is pending
    caller.abort(new Error('user left'));
    expect(await answer).toEqual(new Error('user left'));
    await jest.runAllTimersAsync();
    expect(dependency.calls()).toBe(1);
  });

  // stats().retry.retries counts the retries that ran (reached the dependency); refused, the
  // retries the circuit or the bulkhead refused when their delay was over.
  it('counts a retry the bulkhead refuses as refused, not as a retry', async () => {
    const circuit = new Circuit('inventory', {
      ...noJitter({ attempts: 3, delayMs: 100 }),
      maxConcurrent: 1,
      maxQueued: 0,
    });
    const dependency = flaky(1);
    const first = circuit.execute(dependency.fn).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(10); // its first attempt failed: a retry in 100 ms
    let release!: () => void;
    const holder = circuit.execute(() => new Promise<void>((resolve) => (release = resolve)));
    await jest.advanceTimersByTimeAsync(100); // the retry meets a full bulkhead
    expect(await first).toBeInstanceOf(Error);
    expect(dependency.calls()).toBe(1);
    expect(circuit.stats().retry).toEqual({ retries: 0, refused: 1, budgetExhausted: 0 });
    release();
    await holder;
  });

  it('counts a retry the circuit refuses (opened during its delay) as refused', async () => {
    const circuit = new Circuit('inventory', noJitter({ attempts: 3, delayMs: 100 }));
    const dependency = flaky(1);
    const call = circuit.execute(dependency.fn).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(10);
    circuit.forceOpen();
    await jest.advanceTimersByTimeAsync(100);
    expect(await call).toBeInstanceOf(CircuitOpenError);
    expect(dependency.calls()).toBe(1);
    expect(circuit.stats().retry).toEqual({ retries: 0, refused: 1, budgetExhausted: 0 });
  });

  it('counts a retry whose delay the deadline ended as neither', async () => {
    const circuit = new Circuit('inventory', noJitter({ delayMs: 1_000, deadlineMs: 500 }));
    const answer = await settle(circuit, flaky(1).fn);
    expect(answer).toMatchObject({ thrown: expect.any(CallTimeoutError), tookMs: 500 });
    expect(circuit.stats().retry).toEqual({ retries: 0, refused: 0, budgetExhausted: 0 });
  });

  it('never retries a sync call', () => {
    const circuit = new Circuit('inventory', noJitter({ attempts: 3 }));
    let calls = 0;
    expect(() =>
      circuit.executeSync(() => {
        calls++;
        throw new Error('down');
      }),
    ).toThrow('down');
    expect(calls).toBe(1);
  });

  it.each<[unknown, string]>([
    [{ attempts: 0 }, 'retry.attempts'],
    [{ attempts: 1.5 }, 'retry.attempts'],
    [{ delayMs: -1 }, 'retry.delayMs'],
    [{ delayMs: 100, maxDelayMs: 50 }, 'retry.maxDelayMs'],
    [{ multiplier: 0.5 }, 'retry.multiplier'],
    [{ jitter: 'half' }, 'retry.jitter'],
    [{ retryOn: 'timeouts' }, 'retry.retryOn'],
    [{ budgetRatio: -0.1 }, 'retry.budgetRatio'],
    [{ minRetries: 2.5 }, 'retry.minRetries'],
    [{ deadlineMs: 0 }, 'retry.deadlineMs'],
    [{ attemps: 3 }, 'retry.attemps'],
    [3, 'retry'],
  ])('refuses retry %j, naming %s', (retry, option) => {
    let error: unknown;
    try {
      new Circuit('inventory', { retry: retry as CircuitOptions['retry'] });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect(error).toMatchObject({ circuit: 'inventory', option });
  });
});
