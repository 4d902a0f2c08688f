import { jest } from '@jest/globals';
import { CircuitOpenError, CircuitState, InMemoryCircuitStore } from '../../lib/index.js';
import { ANY_REPLICA_OPENS, Replica, sameOpening, trip, tripNow } from './support/replica.js';
import { waitFor } from './support/wait-for.js';

describe('InMemoryCircuitStore: applications of one process sharing circuit state', () => {
  let store: InMemoryCircuitStore;
  let replicas: Replica[];

  /**
   * Two applications on `store`. Their circuit stays open a minute unless `resetTimeoutMs` says
   * otherwise: only a test that needs half-open sets a short open period, which a busy machine
   * may see run out at any moment.
   */
  async function startTwo(resetTimeoutMs?: number): Promise<[Replica, Replica]> {
    const options =
      resetTimeoutMs === undefined ? {} : { circuits: { payments: { resetTimeoutMs } } };
    replicas.push(await Replica.start(store, options), await Replica.start(store, options));
    return replicas as [Replica, Replica];
  }

  beforeEach(() => {
    store = new InMemoryCircuitStore({ fleet: ANY_REPLICA_OPENS }); // any one's trip opens all
    replicas = [];
  });
  afterEach(() => Promise.all(replicas.map((replica) => replica.close())));

  it('opens every application’s circuit at once when one trips', async () => {
    const [a, b] = await startTwo();
    await trip(a);
    expect(b.circuit.state).toBe(CircuitState.Open);
    expect(sameOpening(b, a)).toBe(true);
    await expect(b.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(b.client.calls).toBe(0);
  });

  it('lets exactly one probe through, of 1,000 concurrent callers on two applications', async () => {
    const [a, b] = await startTwo(200); // a short open period, to reach half-open quickly
    await trip(a);
    a.client.failing = false;
    await waitFor(
      () => a.circuit.state === CircuitState.HalfOpen && b.circuit.state === CircuitState.HalfOpen,
      'half-open',
    );
    const before = a.client.calls;
    const results = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        (i % 2 ? a : b).client.charge().catch((error: unknown) => error),
      ),
    );
    expect(a.client.calls - before + b.client.calls).toBe(1);
    expect(results.filter((result) => result === 'charged')).toHaveLength(1);
    expect(a.circuit.state).toBe(CircuitState.Closed);
    expect(b.circuit.state).toBe(CircuitState.Closed);
  });

  it('gives a restarted application the forced state, and a reset closes it everywhere', async () => {
    const [a] = await startTwo();
    a.registry.forceOpen('payments');
    await replicas[1]!.close();
    replicas[1] = await Replica.start(store);
    await new Promise((resolve) => setImmediate(resolve)); // the record is loaded asynchronously
    expect(replicas[1].circuit.state).toBe(CircuitState.ForcedOpen);
    replicas[1].registry.reset('payments');
    expect(a.circuit.state).toBe(CircuitState.Closed);
  });

  it('keeps the permits of one half-open period per circuit, however often it opens', () => {
    for (let period = 1; period <= 1_000; period++) {
      expect(store.acquire('payments', period, 1, 60_000)).toBe(true);
      expect(store.acquire('payments', period, 1, 60_000)).toBe(false);
    }
    const held = (store as unknown as { probes: Map<string, unknown> }).probes;
    expect(held.size).toBe(1);
  });

  it('names an open period the same on every application, however the wall clock moves', async () => {
    const [a, b] = await startTwo();
    const opened = a.registry.getOrCreate('inventory');
    tripNow(opened);
    const shared = opened.openUntilEpoch;
    // The wall clock steps forward after a tripped: b reads the record later, by the new clock.
    const realNow = Date.now.bind(Date);
    const stepped = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 5);
    try {
      const adopted = b.registry.getOrCreate('inventory');
      await new Promise((resolve) => setImmediate(resolve)); // its record is loaded
      // Both ask for the probe permits of one period: the same name on both.
      expect(adopted.openUntilEpoch).toBe(shared);
      expect(opened.openUntilEpoch).toBe(shared);
    } finally {
      stepped.mockRestore();
    }
  });
});
