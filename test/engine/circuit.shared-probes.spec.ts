import { jest } from '@jest/globals';
import { Circuit, CircuitOpenError, CircuitState } from '../../lib/index.js';
import { PERMIT_WAIT_MS, type ProbePermits } from '../../lib/engine/shared-probes.js';

// Half-open probe permits shared through a store: a call that may probe waits for its permit
// (the store's answer) and runs as the probe; a permit no probe uses goes back.

/** A store whose answers the test gives: each acquire() waits for `answer()`. */
function permitsStore() {
  const asked: Array<(granted: boolean) => void> = [];
  const released: number[] = [];
  const permits: ProbePermits = {
    acquire: () => new Promise<boolean>((resolve) => asked.push(resolve)),
    release: (_circuit, _openUntil, count) => void released.push(count),
  };
  return { permits, asked, released };
}

/** A circuit opened by one failure, sharing `permits`, its open period (1 s) over. */
async function halfOpen(permits: ProbePermits): Promise<Circuit> {
  const circuit = new Circuit('payments', { failureThreshold: 1, resetTimeoutMs: 1_000 });
  circuit.shareProbePermits(permits);
  await circuit.execute(async () => Promise.reject(new Error('down'))).catch(() => {});
  jest.advanceTimersByTime(1_000);
  expect(circuit.state).toBe(CircuitState.HalfOpen);
  return circuit;
}

describe('Circuit: shared probe permits', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('the first call after the open period waits for the permit and runs as the probe', async () => {
    const { permits, asked } = permitsStore();
    const circuit = await halfOpen(permits);
    const probe = jest.fn(async () => 'ok');
    const call = circuit.execute(probe);
    expect(asked).toHaveLength(1);
    expect(probe).not.toHaveBeenCalled(); // waiting for the store
    asked[0]!(true);
    await expect(call).resolves.toBe('ok');
    expect(probe).toHaveBeenCalledTimes(1);
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('refused by the store (another replica probes): the waiting call is refused', async () => {
    const { permits, asked } = permitsStore();
    const circuit = await halfOpen(permits);
    const probe = jest.fn(async () => 'ok');
    const calls = [circuit.execute(probe), circuit.execute(probe)];
    expect(asked).toHaveLength(1); // one ask serves every waiting call
    asked[0]!(false);
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(CircuitOpenError);
    expect(probe).not.toHaveBeenCalled();
  });

  it('a store that never answers: the call waits PERMIT_WAIT_MS at most, then probes on local permits', async () => {
    const { permits } = permitsStore();
    const circuit = await halfOpen(permits);
    const probe = jest.fn(async () => 'ok');
    const call = circuit.execute(probe);
    await jest.advanceTimersByTimeAsync(PERMIT_WAIT_MS - 1);
    expect(probe).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    await expect(call).resolves.toBe('ok');
  });

  it('a permit no probe uses (a sync call cannot wait) goes back after the claim window', async () => {
    const { permits, asked, released } = permitsStore();
    const circuit = await halfOpen(permits);
    expect(() => circuit.executeSync(() => 'ok')).toThrow(CircuitOpenError);
    asked[0]!(true);
    await jest.advanceTimersByTimeAsync(PERMIT_WAIT_MS - 1);
    expect(released).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(released).toEqual([1]);
  });

  it('a permit a probe holds is kept, however long the probe runs', async () => {
    const { permits, asked, released } = permitsStore();
    const circuit = await halfOpen(permits);
    let answer!: () => void;
    const call = circuit.execute(() => new Promise<string>((r) => (answer = () => r('ok'))));
    asked[0]!(true);
    await jest.advanceTimersByTimeAsync(10 * PERMIT_WAIT_MS);
    expect(released).toEqual([]);
    answer();
    await expect(call).resolves.toBe('ok');
    expect(circuit.state).toBe(CircuitState.Closed);
  });
});
