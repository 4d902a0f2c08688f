import { jest } from '@jest/globals';
import { Circuit, CircuitState, type CircuitStateChange } from '../../lib/index.js';
import { answerOf, captureWarnings, fails, failsAsync, run, thrownBy } from './circuit-test-kit.js';

const T0 = '2026-11-23T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

function recorded(options: ConstructorParameters<typeof Circuit>[1] = {}) {
  const changes: CircuitStateChange[] = [];
  const circuit = new Circuit('inventory', {
    failureThreshold: 1,
    resetTimeoutMs: 1_000,
    ...options,
    onStateChange: (change) => changes.push(change),
  });
  return { circuit, changes };
}

describe('Circuit: onStateChange', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date(T0) }));
  afterEach(() => jest.useRealTimers());

  it('tells every listener of each change in order, when a listener moves the state on', () => {
    // A listener that reads the state while it hears of an opening whose time has passed makes
    // the circuit half-open then: every listener still hears of the opening first.
    const heard: string[][] = [[], [], []];
    const circuit = new Circuit('inventory', {
      failureThreshold: 1,
      resetTimeoutMs: 1_000,
      onStateChange: ({ to }) => {
        heard[0]!.push(to);
        if (to === CircuitState.Open) {
          jest.advanceTimersByTime(1_000);
          expect(circuit.state).toBe(CircuitState.HalfOpen); // the read moves it on
        }
      },
    });
    circuit.subscribe(({ to }) => heard[1]!.push(to));
    circuit.subscribe(({ to }) => heard[2]!.push(to));
    run(circuit, 'F');
    const inOrder = [CircuitState.Open, CircuitState.HalfOpen];
    expect(heard).toEqual([inOrder, inOrder, inOrder]);
  });

  it('gets { circuit, from, to, at, reason } for every change of state', () => {
    const { circuit, changes } = recorded({ successThreshold: 1 });
    run(circuit, 'F');
    jest.advanceTimersByTime(1_000);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    run(circuit, 'F');
    jest.advanceTimersByTime(1_500);
    run(circuit, 'S');
    circuit.forceOpen();
    circuit.release();
    circuit.disable();
    circuit.reset();
    expect(changes).toEqual([
      { circuit: 'inventory', from: 'closed', to: 'open', at: T0, reason: 'consecutive_failures' },
      {
        circuit: 'inventory',
        from: 'open',
        to: 'half_open',
        at: at(1_000),
        reason: 'reset_timeout_elapsed',
      },
      {
        circuit: 'inventory',
        from: 'half_open',
        to: 'open',
        at: at(1_000),
        reason: 'probe_failed',
      },
      {
        circuit: 'inventory',
        from: 'open',
        to: 'half_open',
        at: at(2_000), // when the open period ended, seen at 2.5 s
        reason: 'reset_timeout_elapsed',
      },
      {
        circuit: 'inventory',
        from: 'half_open',
        to: 'closed',
        at: at(2_500),
        reason: 'probes_succeeded',
      },
      {
        circuit: 'inventory',
        from: 'closed',
        to: 'forced_open',
        at: at(2_500),
        reason: 'forced_open',
      },
      {
        circuit: 'inventory',
        from: 'forced_open',
        to: 'closed',
        at: at(2_500),
        reason: 'released',
      },
      { circuit: 'inventory', from: 'closed', to: 'disabled', at: at(2_500), reason: 'disabled' },
      { circuit: 'inventory', from: 'disabled', to: 'closed', at: at(2_500), reason: 'reset' },
    ]);
  });

  it('names the rule that opened the circuit', async () => {
    const rate = recorded({
      failureThreshold: 10,
      failureRateThreshold: 0.5,
      minimumThroughput: 2,
    });
    run(rate.circuit, 'SF');
    expect(rate.changes[0]).toMatchObject({ to: 'open', reason: 'failure_rate' });

    const slow = recorded({
      failureThreshold: 10,
      slowCallDurationMs: 10,
      slowCallRateThreshold: 1,
      minimumThroughput: 1,
    });
    const call = answerOf(slow.circuit, () => new Promise((r) => setTimeout(r, 10)));
    await jest.advanceTimersByTimeAsync(10);
    await call;
    expect(slow.changes[0]).toMatchObject({ to: 'open', reason: 'slow_call_rate' });
  });

  it('is told once per change, and not when nothing changes', () => {
    const { circuit, changes } = recorded();
    circuit.release(); // closed: nothing to end
    circuit.reset(); // closed already
    circuit.forceOpen();
    circuit.forceOpen();
    circuit.disable();
    circuit.disable();
    expect(changes.map(({ to }) => to)).toEqual(['forced_open', 'disabled']);
    circuit.release();
    run(circuit, 'F');
    run(circuit, 'F'); // rejected: open already
    expect(circuit.state).toBe(CircuitState.Open);
    expect(circuit.state).toBe(CircuitState.Open);
    expect(changes.map(({ to }) => to)).toEqual(['forced_open', 'disabled', 'closed', 'open']);
  });

  it('sees the circuit in its new state', () => {
    const seen: string[] = [];
    const circuit: Circuit = new Circuit('inventory', {
      failureThreshold: 1,
      onStateChange: ({ to }) => seen.push(`${to}:${circuit.state}:${circuit.stats().state}`),
    });
    run(circuit, 'F');
    expect(seen).toEqual(['open:open:open']);
  });

  it('a listener that throws changes nothing for the call, the state, or other listeners', async () => {
    const warn = captureWarnings();
    try {
      const bug = new Error('listener bug');
      const circuit = new Circuit('inventory', {
        failureThreshold: 1,
        resetTimeoutMs: 1_000,
        onStateChange: () => {
          throw bug;
        },
      });
      const seen: string[] = [];
      circuit.subscribe(({ to }) => seen.push(to));
      const error = new Error('down');
      expect(thrownBy(() => circuit.executeSync(fails(error)))).toBe(error); // the caller's own error
      expect(circuit.state).toBe(CircuitState.Open);
      jest.advanceTimersByTime(1_000);
      const value = { sku: 1 };
      await expect(circuit.execute(async () => value)).resolves.toBe(value); // a probe that closes
      expect(circuit.state).toBe(CircuitState.Closed);
      await expect(circuit.execute(failsAsync(error))).rejects.toBe(error);
      expect(seen).toEqual(['open', 'half_open', 'closed', 'open']);
      expect(warn).toHaveBeenCalledTimes(4);
      // A message and its code: Node drops the code of a warning given as an Error.
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('listener bug'),
        expect.objectContaining({ code: 'CIRCUIT_CALLBACK_ERROR', detail: bug.stack }),
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('a listener that throws a non-Error is reported too', () => {
    const warn = captureWarnings();
    try {
      const circuit = new Circuit('inventory', {
        failureThreshold: 1,
        onStateChange: () => {
          throw 'oops';
        },
      });
      run(circuit, 'F');
      expect(circuit.state).toBe(CircuitState.Open);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain('oops');
    } finally {
      warn.mockRestore();
    }
  });

  it('more listeners can subscribe, and unsubscribe', () => {
    const { circuit, changes } = recorded();
    const seen: string[] = [];
    const unsubscribe = circuit.subscribe(({ to }) => seen.push(to));
    circuit.forceOpen();
    unsubscribe();
    circuit.release();
    expect(seen).toEqual(['forced_open']);
    expect(changes).toHaveLength(2);
  });
});
