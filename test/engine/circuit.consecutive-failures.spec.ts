import { jest } from '@jest/globals';
import { Circuit, CircuitOpenError, CircuitState } from '../../lib/index.js';
import { answerOf, attempt, fails, failsAsync, run, thrownBy } from './circuit-test-kit.js';

const ok = () => 'ok';

describe('Circuit: closed, and the consecutive failures that open it', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('starts closed and lets calls through', () => {
    const circuit = new Circuit('inventory');
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.executeSync(ok)).toBe('ok');
  });

  it('opens on the 5th consecutive failure by default, not the 4th', () => {
    const circuit = new Circuit('inventory');
    for (let i = 0; i < 4; i++) expect(() => circuit.executeSync(fails())).toThrow('down');
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.stats().consecutiveFailures).toBe(4);
    expect(() => circuit.executeSync(fails())).toThrow('down');
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('opens on the failureThreshold-th consecutive failure, async ones too', async () => {
    const circuit = new Circuit('inventory', { failureThreshold: 3 });
    await answerOf(circuit, failsAsync());
    await answerOf(circuit, failsAsync());
    expect(circuit.state).toBe(CircuitState.Closed);
    await answerOf(circuit, failsAsync());
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('starts counting again after a success', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 2 });
    attempt(circuit, fails());
    expect(circuit.stats().consecutiveFailures).toBe(1);
    circuit.executeSync(ok);
    expect(circuit.stats().consecutiveFailures).toBe(0);
    attempt(circuit, fails());
    expect(circuit.state).toBe(CircuitState.Closed);
    attempt(circuit, fails());
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('never opens on consecutive failures with failureThreshold Infinity', () => {
    const circuit = new Circuit('inventory', { failureThreshold: Infinity });
    for (let i = 0; i < 1_000; i++) attempt(circuit, fails());
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('while open, rejects at once with CircuitOpenError without running the function', async () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1, resetTimeoutMs: 10_000 });
    attempt(circuit, fails());
    jest.advanceTimersByTime(2_500);
    const fn = jest.fn(ok);
    const rejection = thrownBy(() => circuit.executeSync(fn)); // a sync function: thrown at once
    expect(fn).not.toHaveBeenCalled();
    expect(rejection).toBeInstanceOf(CircuitOpenError);
    expect(rejection).toMatchObject({
      circuit: 'inventory',
      state: CircuitState.Open,
      retryAfterMs: 7_500,
    });
    expect((rejection as CircuitOpenError).message).toBe('Circuit "inventory" is open');

    const asyncFn = jest.fn(async () => 'ok');
    const answer = await answerOf(circuit, asyncFn);
    expect(asyncFn).not.toHaveBeenCalled();
    expect((answer as { thrown: unknown }).thrown).toBeInstanceOf(CircuitOpenError);
    expect(circuit.stats().rejections).toBe(2);
  });

  it('rejects an async function with a rejected promise, not a throw', async () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1 });
    run(circuit, 'F'); // a sync call opened it
    const answer = circuit.execute(async () => 'ok');
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('rejects a function returning a promise with a rejected promise, when its calls return promises', async () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1 });
    const fetchStock = () => Promise.reject(new Error('down')); // not `async`, yet a promise
    await answerOf(circuit, fetchStock);
    const answer = circuit.execute(fetchStock);
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).rejects.toBeInstanceOf(CircuitOpenError);
  });
});
