import { jest } from '@jest/globals';
import {
  Circuit,
  CircuitOpenError,
  CircuitState,
  type CircuitStateChange,
} from '../../lib/index.js';

const down = () => {
  throw new Error('down');
};
const attempt = (circuit: Circuit, fn: () => unknown) => {
  try {
    return circuit.execute(fn);
  } catch (error) {
    return error;
  }
};

describe('Circuit: manual states', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('forceOpen() rejects every call until release(), which closes it', () => {
    const circuit = new Circuit('ledger');
    circuit.forceOpen();
    expect(circuit.state).toBe(CircuitState.ForcedOpen);
    const fn = jest.fn(() => 'ok');
    const rejection = attempt(circuit, fn);
    expect(rejection).toBeInstanceOf(CircuitOpenError);
    expect(rejection).toMatchObject({ state: CircuitState.ForcedOpen, retryAfterMs: 0 });
    jest.advanceTimersByTime(10 * 60_000); // no open duration ends a forced state
    expect(circuit.state).toBe(CircuitState.ForcedOpen);
    expect(fn).not.toHaveBeenCalled();
    circuit.release();
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.execute(fn)).toBe('ok');
  });

  it('disable() lets every call through and counts it, never opening, until release()', () => {
    const circuit = new Circuit('ledger', { failureThreshold: 1 });
    circuit.disable();
    for (let i = 0; i < 5; i++) attempt(circuit, down);
    expect(circuit.state).toBe(CircuitState.Disabled);
    expect(circuit.stats()).toMatchObject({ failures: 5, consecutiveFailures: 5 });
    circuit.release();
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.stats().consecutiveFailures).toBe(0); // the rules start afresh
    attempt(circuit, down);
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('reset() closes with fresh counters from any state; release() leaves other states alone', () => {
    const circuit = new Circuit('ledger', { failureThreshold: 1 });
    attempt(circuit, down);
    circuit.release(); // not forced: nothing to end
    expect(circuit.state).toBe(CircuitState.Open);
    attempt(circuit, () => 'ok');
    circuit.reset();
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.stats()).toMatchObject({
      totalCalls: 0,
      failures: 0,
      rejections: 0,
      consecutiveFailures: 0,
      lastFailureAt: null,
    });
    circuit.forceOpen();
    circuit.reset();
    expect(circuit.state).toBe(CircuitState.Closed);
  });
});

describe('Circuit: stats()', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-23T10:00:00.000Z') }));
  afterEach(() => jest.useRealTimers());

  it('is plain JSON with every field API.md lists', async () => {
    const circuit = new Circuit('inventory', {
      failureThreshold: 2,
      resetTimeoutMs: 5_000,
      failureRateThreshold: 0.9,
      slowCallDurationMs: 1_000,
      slowCallRateThreshold: 1,
    });
    expect(circuit.stats()).toEqual({
      name: 'inventory',
      state: 'closed',
      consecutiveFailures: 0,
      totalCalls: 0,
      successes: 0,
      failures: 0,
      rejections: 0,
      timeouts: 0,
      slowCalls: 0,
      ignored: 0,
      inFlight: 0,
      windowCalls: 0,
      windowFailures: 0,
      windowSlowCalls: 0,
      failureRate: 0,
      slowCallRate: 0,
      lastFailureAt: null,
      lastStateChangeAt: '2026-11-23T10:00:00.000Z',
      openUntil: null,
      retryAfterMs: 0,
    });
    attempt(circuit, () => 'ok');
    jest.advanceTimersByTime(1_000);
    attempt(circuit, down);
    attempt(circuit, down);
    attempt(circuit, () => 'ok'); // rejected
    const pending = circuit.stats();
    expect(JSON.parse(JSON.stringify(pending))).toEqual(pending);
    expect(pending).toMatchObject({
      state: 'open',
      consecutiveFailures: 2,
      totalCalls: 4,
      successes: 1,
      failures: 2,
      rejections: 1,
      windowCalls: 3,
      windowFailures: 2,
      failureRate: 2 / 3,
      lastFailureAt: '2026-11-23T10:00:01.000Z',
      lastStateChangeAt: '2026-11-23T10:00:01.000Z',
      openUntil: '2026-11-23T10:00:06.000Z',
      retryAfterMs: 5_000,
    });
  });

  it('counts calls in flight', async () => {
    const circuit = new Circuit('inventory');
    let finish!: () => void;
    const call = circuit.execute(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(circuit.stats()).toMatchObject({ inFlight: 1, totalCalls: 1 });
    finish();
    await call;
    expect(circuit.stats()).toMatchObject({ inFlight: 0, totalCalls: 1, successes: 1 });
  });
});

describe('Circuit: state change listeners', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-23T10:00:00.000Z') }));
  afterEach(() => jest.useRealTimers());

  it('tells onStateChange and subscribers every change, with its reason', () => {
    const changes: CircuitStateChange[] = [];
    const circuit = new Circuit('inventory', {
      failureThreshold: 1,
      resetTimeoutMs: 1_000,
      onStateChange: (change) => changes.push(change),
    });
    const seen: string[] = [];
    const unsubscribe = circuit.subscribe(({ to }) => seen.push(to));
    attempt(circuit, down);
    jest.advanceTimersByTime(1_000);
    attempt(circuit, () => 'ok');
    circuit.forceOpen();
    unsubscribe();
    circuit.release();
    circuit.disable();
    expect(changes).toEqual([
      {
        circuit: 'inventory',
        from: 'closed',
        to: 'open',
        at: '2026-11-23T10:00:00.000Z',
        reason: 'consecutive_failures',
      },
      {
        circuit: 'inventory',
        from: 'open',
        to: 'half_open',
        at: '2026-11-23T10:00:01.000Z',
        reason: 'reset_timeout_elapsed',
      },
      expect.objectContaining({ from: 'half_open', to: 'closed', reason: 'probes_succeeded' }),
      expect.objectContaining({ from: 'closed', to: 'forced_open', reason: 'forced_open' }),
      expect.objectContaining({ from: 'forced_open', to: 'closed', reason: 'released' }),
      expect.objectContaining({ from: 'closed', to: 'disabled', reason: 'disabled' }),
    ]);
    expect(seen).toEqual(['open', 'half_open', 'closed', 'forced_open']);
  });

  it('a listener that throws is reported and changes nothing for the call or other listeners', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const bug = new Error('listener bug');
      const circuit = new Circuit('inventory', {
        failureThreshold: 1,
        onStateChange: () => {
          throw bug;
        },
      });
      const seen: string[] = [];
      circuit.subscribe(({ to }) => seen.push(to));
      expect(() => circuit.execute(down)).toThrow('down');
      expect(seen).toEqual(['open']);
      expect(warn).toHaveBeenCalledWith(bug, { code: 'CIRCUIT_CALLBACK_ERROR' });
    } finally {
      warn.mockRestore();
    }
  });
});

describe('Circuit: wrap()', () => {
  it('keeps the parameters, `this` and the return value, through the circuit', async () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1 });
    const client = {
      base: 10,
      stock(this: { base: number }, sku: string, extra: number) {
        return `${sku}:${this.base + extra}`;
      },
    };
    const stock = circuit.wrap(client.stock);
    expect(stock.name).toBe('stock');
    expect(stock.call(client, 'a', 2)).toBe('a:12');
    const fetchStock = circuit.wrap(async (sku: string) => {
      throw new Error(`no ${sku}`);
    });
    await expect(fetchStock('b')).rejects.toThrow('no b');
    await expect(fetchStock('c')).rejects.toBeInstanceOf(CircuitOpenError); // shared circuit
    expect(circuit.stats()).toMatchObject({ successes: 1, failures: 1, rejections: 1 });
  });
});
