import { jest } from '@jest/globals';
import { Circuit, type CallOutcome } from '../../lib/index.js';
import { captureWarnings, failsAsync, takes } from './circuit-test-kit.js';

// observeCalls(): what metrics exporters (Prometheus, OpenTelemetry) plug in, several at once.

describe('Circuit: call observers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('shows every observer each call’s outcome and duration', async () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1 });
    const first: Array<[CallOutcome, number]> = [];
    const second: CallOutcome[] = [];
    circuit.observeCalls((outcome, durationMs) => first.push([outcome, durationMs]));
    circuit.observeCalls((outcome) => second.push(outcome));
    const call = circuit.execute(takes(30));
    await jest.advanceTimersByTimeAsync(30);
    await call;
    await circuit.execute(failsAsync()).catch(() => {});
    await circuit.execute(async () => 'refused').catch(() => {});
    expect(first).toEqual([
      ['success', 30],
      ['failure', 0],
      ['rejected', 0],
    ]);
    expect(second).toEqual(['success', 'failure', 'rejected']);
  });

  it('stops one observer, not the others', async () => {
    const circuit = new Circuit('inventory');
    const kept: CallOutcome[] = [];
    const stopped: CallOutcome[] = [];
    circuit.observeCalls((outcome) => kept.push(outcome));
    const stop = circuit.observeCalls((outcome) => stopped.push(outcome));
    await circuit.execute(async () => 1);
    stop();
    await circuit.execute(async () => 2);
    expect(kept).toEqual(['success', 'success']);
    expect(stopped).toEqual(['success']);
  });

  it('reports an observer that throws, and still shows the call to the others', async () => {
    const warn = captureWarnings();
    try {
      const circuit = new Circuit('inventory');
      const seen: CallOutcome[] = [];
      circuit.observeCalls(() => {
        throw new Error('exporter bug');
      });
      circuit.observeCalls((outcome) => seen.push(outcome));
      await expect(circuit.execute(async () => 'value')).resolves.toBe('value');
      expect(seen).toEqual(['success']);
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('exporter bug'),
        expect.objectContaining({ code: 'CIRCUIT_CALLBACK_ERROR' }),
      );
    } finally {
      warn.mockRestore();
    }
  });
});
