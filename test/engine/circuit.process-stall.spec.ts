import { CallTimeoutError, Circuit, CircuitState, type CircuitOptions } from '../../lib/index.js';
import { PERMIT_WAIT_MS, type ProbePermits } from '../../lib/engine/shared-probes.js';
import { checkPhase, nextAnswer, socketPair, stall, type SocketPair } from './process-stall-kit.js';

// A stall of our own process (a GC pause, a CPU-bound handler) past a call's deadline, while
// the dependency's answer already waits in the socket: the event loop wakes into its timers
// phase first. The deadline is judged after that turn's I/O, so the answer is read and the
// call succeeds; counted as a timeout, such stalls would open circuits on healthy dependencies.
// Real timers and a real socket: the answer is written before the stall, read only after it.

const DEADLINE_MS = 50;
const STALL_MS = 300; // well past the deadline

describe('Circuit: a stall of the process is not a timeout of the dependency', () => {
  let pair: SocketPair;
  beforeEach(async () => {
    pair = await socketPair();
  });
  afterEach(() => pair.close());

  /** A call whose answer the dependency writes at once; then the process stalls. */
  async function answeredDuringStall(circuit: Circuit): Promise<string> {
    await checkPhase();
    const call = circuit.execute(() => nextAnswer(pair.client));
    pair.server.write('pong');
    stall(STALL_MS);
    return call;
  }

  const cases: Array<[string, CircuitOptions]> = [
    ['timeoutMs', { timeoutMs: DEADLINE_MS }],
    ['an adaptive timeout', { timeoutMs: { percentile: 0.99, minMs: 10, maxMs: DEADLINE_MS } }],
    ['retry.deadlineMs', { retry: { deadlineMs: DEADLINE_MS } }],
  ];

  it.each(cases)('%s: the answer that came during the stall is the call’s', async (_, options) => {
    const circuit = new Circuit('inventory', { failureThreshold: 1, ...options });
    await expect(answeredDuringStall(circuit)).resolves.toBe('pong');
    expect(circuit.stats()).toMatchObject({ timeouts: 0, failures: 0, successes: 1 });
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('every call in flight during the stall succeeds: none counts toward opening', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: DEADLINE_MS, failureThreshold: 3 });
    await checkPhase();
    const calls = [1, 2, 3].map(() => circuit.execute(() => nextAnswer(pair.client)));
    pair.server.write('pong'); // one chunk answers them all
    stall(STALL_MS);
    await expect(Promise.all(calls)).resolves.toEqual(['pong', 'pong', 'pong']);
    expect(circuit.stats()).toMatchObject({ timeouts: 0, successes: 3 });
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('an answer that did not come still times out: one loop turn, not a grace period', async () => {
    const circuit = new Circuit('inventory', { timeoutMs: DEADLINE_MS });
    await checkPhase();
    const call = circuit.execute(() => nextAnswer(pair.client));
    stall(STALL_MS);
    await expect(call).rejects.toBeInstanceOf(CallTimeoutError);
    expect(circuit.stats()).toMatchObject({ timeouts: 1, successes: 0 });
  });

  it('a shared probe permit the store granted during the stall is taken, not given back', async () => {
    const released: number[] = [];
    let storeAnswered: Promise<boolean> | undefined;
    const permits: ProbePermits = {
      acquire: () => (storeAnswered = nextAnswer(pair.client).then((a) => a === 'granted')),
      release: (_circuit, _openUntil, count) => void released.push(count),
    };
    const circuit = new Circuit('inventory', { failureThreshold: 1, resetTimeoutMs: 1 });
    circuit.shareProbePermits(permits);
    await circuit.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    await halfOpen(circuit);
    await checkPhase();
    const probe = circuit.execute(async () => 'ok');
    pair.server.write('granted');
    stall(PERMIT_WAIT_MS + STALL_MS);
    await expect(probe).resolves.toBe('ok');
    await expect(storeAnswered).resolves.toBe(true);
    await new Promise((resolve) => setImmediate(resolve)); // what the answer's reactions do, done
    // Taken for no answer, the permit would go back and the replica probe on its own permits.
    expect(released).toEqual([]);
    expect(circuit.state).toBe(CircuitState.Closed);
  });
});

/** Waits (bounded) for the open period, 1 ms, to end. */
async function halfOpen(circuit: Circuit): Promise<void> {
  for (let waited = 0; circuit.state !== CircuitState.HalfOpen; waited++) {
    if (waited > 1_000) throw new Error('the circuit never became half-open');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
