import { jest } from '@jest/globals';
import {
  CallTimeoutError,
  Circuit,
  CircuitOpenError,
  CircuitOptionsError,
  CircuitState,
  type CircuitOptions,
  type CircuitStateChange,
  type CircuitStats,
} from '../../lib/index.js';
import { fails, thrownBy } from './circuit-test-kit.js';

// API.md section 1, its opening: the engine as a user sees it, from the one entry.

describe('Circuit: the engine as API.md shows it', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs the example: execute with an optional signal, wrap with the same signature', async () => {
    const circuit = new Circuit('inventory', { failureThreshold: 3, resetTimeoutMs: 10_000 });
    const stock = await circuit.execute(async (signal) => {
      // signal: AbortSignal | undefined
      const maybe: AbortSignal | undefined = signal;
      // @ts-expect-error -- without timeoutMs there may be no signal
      const sure: AbortSignal = signal;
      void sure;
      return maybe === undefined ? 7 : 0;
    });
    expect(stock).toBe(7);

    const fetchStock = async (sku: string, warehouse?: number): Promise<number> =>
      sku.length + (warehouse ?? 0);
    const getStock = circuit.wrap(fetchStock);
    const sameType: (sku: string, warehouse?: number) => Promise<number> = getStock;
    void sameType;
    // @ts-expect-error -- the parameters are fetchStock's
    void (() => getStock(42));
    await expect(getStock('abc', 2)).resolves.toBe(5);
    expect(circuit.options).toMatchObject({ failureThreshold: 3, resetTimeoutMs: 10_000 });
  });

  it('opens after failureThreshold consecutive failures and half-opens after resetTimeoutMs', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 3, resetTimeoutMs: 10_000 });
    for (let i = 0; i < 3; i++) thrownBy(() => circuit.executeSync(fails()));
    expect(circuit.state).toBe(CircuitState.Open);
    jest.advanceTimersByTime(10_000);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
  });

  it('shows its name, its state, and its resolved options', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 3 });
    expect(circuit.name).toBe('inventory');
    expect(circuit.state).toBe('closed');
    expect(circuit.options).toMatchObject({ failureThreshold: 3, resetTimeoutMs: 30_000 });
    // @ts-expect-error -- the state changes through calls and the manual commands only
    void (() => (circuit.state = CircuitState.Open));
    // @ts-expect-error -- so does the name: never
    void (() => (circuit.name = 'other'));
  });

  it('names its states with the string values of API.md', () => {
    expect({ ...CircuitState }).toEqual({
      Closed: 'closed',
      Open: 'open',
      HalfOpen: 'half_open',
      ForcedOpen: 'forced_open',
      Disabled: 'disabled',
    });
  });

  it('exports the engine and its types from the one entry, lib/index.ts', () => {
    const options: CircuitOptions = { failureThreshold: 1 };
    const circuit = new Circuit('inventory', options);
    const stats: CircuitStats = circuit.stats();
    const change: CircuitStateChange | undefined = undefined;
    void change;
    expect(stats.name).toBe('inventory');
    for (const exported of [Circuit, CircuitOpenError, CallTimeoutError, CircuitOptionsError]) {
      expect(typeof exported).toBe('function');
    }
  });
});

describe('Circuit: errors', () => {
  it('CircuitOpenError is an Error of its own with circuit, state, retryAfterMs, and says the state in words', () => {
    const error = new CircuitOpenError('inventory', CircuitState.ForcedOpen, 1_500);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error.name).toBe('CircuitOpenError');
    expect(error).toMatchObject({
      circuit: 'inventory',
      state: 'forced_open',
      retryAfterMs: 1_500,
    });
    expect(error.message).toBe('Circuit "inventory" is forced open');
    expect(new CircuitOpenError('a', CircuitState.HalfOpen, 0).message).toBe(
      'Circuit "a" is half-open',
    );
  });

  it('CallTimeoutError carries circuit and timeoutMs', () => {
    const error = new CallTimeoutError('inventory', 250);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ circuit: 'inventory', timeoutMs: 250 });
    expect(error.message).toContain('inventory');
  });

  it('CircuitOptionsError is an Error naming circuit, option and value', () => {
    const error = new CircuitOptionsError('inventory', 'jitter', 2, 'a number in [0, 1]');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CircuitOptionsError');
    expect(error).toMatchObject({ circuit: 'inventory', option: 'jitter', value: 2 });
    expect(error.message).toMatch(/"inventory".*"jitter".*2/);
  });
});
