import { jest } from '@jest/globals';
import { Circuit, CircuitOpenError, CircuitState } from '../../lib/index.js';

const fail =
  (...error: unknown[]) =>
  () => {
    throw error.length > 0 ? error[0] : new Error('down');
  };
const ok = () => 'ok';

describe('Circuit: consecutive failures', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens on the 5th consecutive failure by default, not the 4th', () => {
    const circuit = new Circuit('inventory');
    for (let i = 0; i < 4; i++) expect(() => circuit.execute(fail())).toThrow('down');
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(() => circuit.execute(fail())).toThrow('down');
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('starts counting again after a success', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 2 });
    expect(() => circuit.execute(fail())).toThrow();
    circuit.execute(ok);
    expect(() => circuit.execute(fail())).toThrow();
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.stats().consecutiveFailures).toBe(1);
  });

  it('rejects without running the function while open, with retryAfterMs', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1, resetTimeoutMs: 10_000 });
    expect(() => circuit.execute(fail())).toThrow();
    jest.advanceTimersByTime(2_500);
    const fn = jest.fn(ok);
    let rejection: unknown;
    try {
      circuit.execute(fn);
    } catch (error) {
      rejection = error;
    }
    expect(fn).not.toHaveBeenCalled();
    expect(rejection).toBeInstanceOf(CircuitOpenError);
    expect(rejection).toMatchObject({
      circuit: 'inventory',
      state: CircuitState.Open,
      retryAfterMs: 7_500,
    });
    expect((rejection as CircuitOpenError).getStatus()).toBe(503);
  });

  it('hands the caller its own error and value, the same objects', async () => {
    const circuit = new Circuit('inventory');
    const value = { sku: 1 };
    const error = new Error('mine');
    expect(circuit.execute(() => value)).toBe(value);
    await expect(circuit.execute(async () => value)).resolves.toBe(value);
    expect(() => circuit.execute(fail(error))).toThrow(error);
    await expect(circuit.execute(() => Promise.reject(error))).rejects.toBe(error);
  });

  it('rethrows a non-Error as is and counts it', async () => {
    const circuit = new Circuit('inventory');
    let thrown: unknown = 'unset';
    try {
      circuit.execute(fail(undefined));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeUndefined();
    await expect(circuit.execute(() => Promise.reject('plain string'))).rejects.toBe(
      'plain string',
    );
    expect(circuit.stats().failures).toBe(2);
  });

  it('keeps a sync function sync', () => {
    const circuit = new Circuit('inventory');
    expect(circuit.execute(() => 42)).toBe(42);
  });
});
