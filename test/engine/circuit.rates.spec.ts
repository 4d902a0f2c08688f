import { jest } from '@jest/globals';
import { Circuit, CircuitState } from '../../lib/index.js';

const ok = () => 'ok';
const down = () => {
  throw new Error('down');
};
const run = (circuit: Circuit, outcomes: string) => {
  for (const outcome of outcomes) {
    try {
      circuit.execute(outcome === 'F' ? down : ok);
    } catch {
      // the function's own error
    }
  }
};

describe('Circuit: failure rate and slow-call rate over the rolling window', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens when failures / calls reaches failureRateThreshold, once minimumThroughput calls are in', () => {
    const circuit = new Circuit('search', {
      failureRateThreshold: 0.5,
      minimumThroughput: 4,
      failureThreshold: Infinity,
    });
    run(circuit, 'FSF'); // 2 of 3: over the rate, under the throughput
    expect(circuit.state).toBe(CircuitState.Closed);
    run(circuit, 'S'); // 2 of 4 = 0.5: reached by a success that completes the throughput
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('stays closed below the rate, and counts minimumThroughput 10 by default', () => {
    const circuit = new Circuit('search', {
      failureRateThreshold: 0.5,
      failureThreshold: Infinity,
    });
    run(circuit, 'FFFFFFFFF'); // 9 failures: rate 1, but only 9 calls
    expect(circuit.state).toBe(CircuitState.Closed);
    run(circuit, 'F');
    expect(circuit.state).toBe(CircuitState.Open);

    const healthy = new Circuit('healthy', {
      failureRateThreshold: 0.5,
      failureThreshold: Infinity,
    });
    run(healthy, 'FSFSSFSSSS'); // 3 of 10
    expect(healthy.state).toBe(CircuitState.Closed);
    expect(healthy.stats()).toMatchObject({ windowCalls: 10, windowFailures: 3, failureRate: 0.3 });
  });

  it('forgets calls older than windowMs (10 s by default), to a tenth of the window', () => {
    const circuit = new Circuit('search', {
      failureRateThreshold: 0.5,
      minimumThroughput: 4,
      failureThreshold: Infinity,
    });
    run(circuit, 'FFF');
    jest.advanceTimersByTime(9_000); // still inside 10 s
    expect(circuit.stats().windowCalls).toBe(3);
    jest.advanceTimersByTime(1_001); // out, whatever the bucket they fell in
    expect(circuit.stats()).toMatchObject({ windowCalls: 0, failureRate: 0 });
    run(circuit, 'SSSF'); // 1 of 4 now
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('leaves ignored errors out of the window', () => {
    const circuit = new Circuit('search', {
      failureRateThreshold: 0.5,
      minimumThroughput: 2,
      isFailure: (error) => (error as Error).message !== 'ignored',
    });
    for (let i = 0; i < 5; i++) {
      expect(() =>
        circuit.execute(() => {
          throw new Error('ignored');
        }),
      ).toThrow('ignored');
    }
    expect(circuit.stats()).toMatchObject({ windowCalls: 0, ignored: 5, failures: 0 });
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('opens on the slow-call rate: calls of at least slowCallDurationMs, successful or not', async () => {
    const circuit = new Circuit('search', {
      slowCallDurationMs: 100,
      slowCallRateThreshold: 0.5,
      minimumThroughput: 2,
    });
    const takes = (ms: number) => () =>
      new Promise<string>((resolve) => setTimeout(() => resolve('ok'), ms));
    let call = circuit.execute(takes(99));
    await jest.advanceTimersByTimeAsync(99);
    await call;
    expect(circuit.stats()).toMatchObject({ slowCalls: 0, windowCalls: 1 });
    call = circuit.execute(takes(100)); // exactly the limit: slow
    await jest.advanceTimersByTimeAsync(100);
    await expect(call).resolves.toBe('ok'); // the caller still gets its value
    expect(circuit.stats()).toMatchObject({ slowCalls: 1, slowCallRate: 0.5 });
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('does not count slowness without slowCallDurationMs, nor keep a window without a rate rule', () => {
    const circuit = new Circuit('plain');
    run(circuit, 'SSF');
    expect(circuit.stats()).toMatchObject({ slowCalls: 0, windowCalls: 0, failureRate: 0 });
  });

  it('starts the window afresh when the circuit closes', () => {
    const circuit = new Circuit('search', {
      failureRateThreshold: 0.5,
      minimumThroughput: 2,
      resetTimeoutMs: 1_000,
    });
    run(circuit, 'FF');
    expect(circuit.state).toBe(CircuitState.Open);
    jest.advanceTimersByTime(1_000);
    run(circuit, 'S'); // the probe closes it
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.stats()).toMatchObject({ windowCalls: 0, consecutiveFailures: 0 });
    run(circuit, 'F'); // 1 of 1, under the throughput
    expect(circuit.state).toBe(CircuitState.Closed);
  });
});
