import { CircuitOpenError, CircuitState, InMemoryCircuitStore } from '../../lib/index.js';
import { RESET_TIMEOUT_MS, Replica } from './support/replica.js';

describe('InMemoryCircuitStore: applications of one process sharing circuit state', () => {
  let store: InMemoryCircuitStore;
  let replicas: Replica[];

  beforeEach(async () => {
    store = new InMemoryCircuitStore();
    replicas = [await Replica.start(store), await Replica.start(store)];
  });
  afterEach(() => Promise.all(replicas.map((replica) => replica.close())));

  it('opens every application’s circuit at once when one trips', async () => {
    const [a, b] = replicas as [Replica, Replica];
    a.client.failing = true;
    await expect(a.client.charge()).rejects.toThrow('payments down');
    await expect(a.client.charge()).rejects.toThrow('payments down');
    expect(b.circuit.state).toBe(CircuitState.Open);
    expect(b.circuit.stats().openUntil).toBe(a.circuit.stats().openUntil);
    await expect(b.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(b.client.calls).toBe(0);
  });

  it('lets exactly one probe through, of 1,000 concurrent callers on two applications', async () => {
    const [a, b] = replicas as [Replica, Replica];
    a.client.failing = true;
    await a.client.charge().catch(() => {});
    await a.client.charge().catch(() => {});
    a.client.failing = false;
    await new Promise((resolve) => setTimeout(resolve, RESET_TIMEOUT_MS + 10));
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

  it('gives a restarted application the open state, and a reset closes it everywhere', async () => {
    const [a] = replicas as [Replica, Replica];
    a.registry.forceOpen('payments');
    await replicas[1]!.close();
    replicas[1] = await Replica.start(store);
    await new Promise((resolve) => setImmediate(resolve)); // the record is loaded asynchronously
    expect(replicas[1].circuit.state).toBe(CircuitState.ForcedOpen);
    replicas[1].registry.reset('payments');
    expect(a.circuit.state).toBe(CircuitState.Closed);
  });
});
