import { jest } from '@jest/globals';
import fc from 'fast-check';
import { Circuit, CircuitOptionsError, CircuitState } from '../../lib/index.js';
import { CountWindow } from '../../lib/engine/count-window.js';
import { run } from './circuit-test-kit.js';

// windowType: 'count': the rates are over the last windowSize calls, whenever they were made.

describe('CountWindow', () => {
  it('holds exactly the last size calls, by a model of the same calls in an array', () => {
    const outcome = fc.record({ failed: fc.boolean(), slow: fc.boolean() });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(outcome, { maxLength: 200 }),
        (size, calls) => {
          const window = new CountWindow(size, true);
          for (const { failed, slow } of calls) window.record(failed, slow);
          const last = calls.slice(-size);
          expect(window.totals()).toEqual({
            calls: last.length,
            failures: last.filter((c) => c.failed).length,
            slow: last.filter((c) => c.slow).length,
          });
          expect(window.recordedCalls).toBe(last.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('starts afresh on clear()', () => {
    const window = new CountWindow(3, true);
    window.record(true, true);
    window.clear();
    expect(window.totals()).toEqual({ calls: 0, failures: 0, slow: 0 });
  });
});

describe('Circuit: windowType count', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const counted = (windowSize: number, minimumThroughput: number) =>
    new Circuit('inventory', {
      windowType: 'count',
      windowSize,
      minimumThroughput,
      failureThreshold: Infinity,
      failureRateThreshold: 0.5,
    });

  it('opens when the failure rate over the last windowSize calls reaches its threshold', () => {
    const circuit = counted(4, 4);
    run(circuit, 'SSSF');
    expect(circuit.stats()).toMatchObject({ windowCalls: 4, failureRate: 0.25 });
    run(circuit, 'F'); // the first S leaves: S S F F
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('waits for minimumThroughput calls', () => {
    const circuit = counted(10, 4);
    run(circuit, 'FFF');
    expect(circuit.state).toBe(CircuitState.Closed);
    run(circuit, 'F');
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('keeps calls however old they are: time does not empty it', () => {
    const circuit = counted(4, 4);
    run(circuit, 'FF');
    jest.advanceTimersByTime(24 * 3_600_000);
    run(circuit, 'SF');
    expect(circuit.state).toBe(CircuitState.Open); // 3 of 4
  });

  it('counts slow calls for the slow-call rate', () => {
    const circuit = new Circuit('inventory', {
      windowType: 'count',
      windowSize: 2,
      minimumThroughput: 2,
      slowCallDurationMs: 10,
      slowCallRateThreshold: 1,
    });
    for (let i = 0; i < 2; i++) {
      circuit.executeSync(() => jest.advanceTimersByTime(10)); // a slow sync call
    }
    expect(circuit.state).toBe(CircuitState.Open);
    expect(circuit.history().at(-1)?.reason).toBe('slow_call_rate');
  });

  it('refuses a minimumThroughput the window can never hold, and bad sizes', () => {
    expect(() => counted(5, 6)).toThrow(CircuitOptionsError);
    expect(() => counted(5, 6)).toThrow('at most windowSize (5)');
    for (const windowSize of [0, 1.5, 100_001, '10']) {
      expect(
        () => new Circuit('x', { windowType: 'count', windowSize: windowSize as number }),
      ).toThrow(CircuitOptionsError);
    }
    expect(() => new Circuit('x', { windowType: 'calls' as never })).toThrow(CircuitOptionsError);
  });
});
