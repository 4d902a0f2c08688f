import { Redis } from 'ioredis';
import {
  CircuitOpenError,
  CircuitState,
  InMemoryCircuitStore,
  RedisCircuitStore,
  type CircuitOptions,
  type CircuitStore,
  type FleetOptions,
} from '../../lib/index.js';
import { Logs } from './support/logs.js';
import { Replica, tripNow } from './support/replica.js';

const { Closed, Open } = CircuitState;

/** Sends the store's batched reports now, rather than at its next interval. */
function flushReports(store: InMemoryCircuitStore): void {
  (store as unknown as { reports: { flush(): void } }).reports.flush();
}

describe('fleet decisions, with applications of one process sharing an InMemoryCircuitStore', () => {
  let replicas: Replica[] = [];
  afterEach(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    replicas = [];
  });

  async function start(
    store: CircuitStore,
    count: number,
    payments: CircuitOptions = {},
  ): Promise<Replica[]> {
    for (let i = 0; i < count; i++) {
      replicas.push(await Replica.start(store, { circuits: { payments } }));
    }
    return replicas;
  }

  it('by default, one application tripping opens only itself; a second one opens them all', async () => {
    const store = new InMemoryCircuitStore();
    const [a, b, c] = (await start(store, 3)) as [Replica, Replica, Replica];
    tripNow(a.circuit);
    expect(a.circuit.state).toBe(Open);
    expect(b.circuit.state).toBe(Closed);
    expect(await store.load('payments')).toBeUndefined();
    await expect(b.client.charge()).resolves.toBe('charged');
    // Quorum: max(2, ceil(0.5 × 2 active)) = 2 votes.
    tripNow(b.circuit);
    expect(c.circuit.state).toBe(Open);
    expect((await store.load('payments'))?.state).toBe('open');
    await expect(c.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(c.client.calls).toBe(0);
  });

  it('an application open on its own trip takes no automatic closing; a manual one it takes', async () => {
    const store = new InMemoryCircuitStore();
    const [a, b] = (await start(store, 2)) as [Replica, Replica];
    tripNow(a.circuit);
    // As a replica whose probes succeeded saves it: a's own evidence says otherwise.
    store.save('payments', Closed, 0, false);
    expect(a.circuit.state).toBe(Open);
    // An operator's states, from another application, it takes.
    b.registry.forceOpen('payments');
    expect(a.circuit.state).toBe(CircuitState.ForcedOpen);
    b.registry.release('payments');
    expect(a.circuit.state).toBe(Closed);
  });

  it("decide: 'rate' opens every application on the failure rate over all their calls", async () => {
    const store = new InMemoryCircuitStore({ fleet: { decide: 'rate' } });
    const payments = {
      failureThreshold: Infinity,
      failureRateThreshold: 0.5,
      minimumThroughput: 10,
    };
    const [a, b, c] = (await start(store, 3, payments)) as [Replica, Replica, Replica];
    // a fails 6 of its 6 calls, b succeeds 10 times: 6 of 16 fail, under the threshold.
    a.client.failing = true;
    for (let i = 0; i < 6; i++) await a.client.charge().catch(() => undefined);
    for (let i = 0; i < 10; i++) await b.client.charge();
    flushReports(store);
    expect(c.circuit.state).toBe(Closed);
    // a's 4 next calls fail (its own window trips at its 10th: a vote, 1 of 2): 10 of 20 fail.
    for (let i = 0; i < 6; i++) await a.client.charge().catch(() => undefined);
    flushReports(store);
    expect(c.circuit.state).toBe(Open);
    expect(b.circuit.state).toBe(Open);
  });

  it('reports only while a circuit has calls, one per circuit per interval', async () => {
    const store = new InMemoryCircuitStore({ fleet: { reportIntervalMs: 60_000 } });
    const [a] = (await start(store, 1)) as [Replica];
    const sent: number[] = [];
    const report = (store as unknown as { report: (m: unknown, d: { calls: number }) => void })
      .report;
    (store as unknown as { report: typeof report }).report = function (member, delta) {
      sent.push(delta.calls);
      report.call(this, member, delta);
    };
    flushReports(store);
    expect(sent).toEqual([]);
    for (let i = 0; i < 100; i++) await a.client.charge();
    flushReports(store);
    flushReports(store);
    expect(sent).toEqual([100]);
  });

  it('a custom store without vote() and watch() keeps the old rule, with one warning', async () => {
    const logs = new Logs();
    try {
      const inner = new InMemoryCircuitStore();
      const custom: CircuitStore = {
        connect: (changed) => inner.connect(changed),
        load: (circuit) => inner.load(circuit),
        save: (circuit, state, openUntil, manual) => inner.save(circuit, state, openUntil, manual),
        acquire: (circuit, openUntil, max, leaseMs) =>
          inner.acquire(circuit, openUntil, max, leaseMs),
        disconnect: (changed) => inner.disconnect(changed),
      };
      const [a, b] = (await start(custom, 2)) as [Replica, Replica];
      tripNow(a.circuit);
      expect(b.circuit.state).toBe(Open);
      const warnings = logs.warnings().filter((w) => w.includes('no vote() and watch()'));
      expect(warnings).toHaveLength(2); // one per application
      expect(warnings[0]).toMatch(/any replica that trips opens its circuits for every replica/);
    } finally {
      logs.restore();
    }
  });
});

describe('the fleet option, checked', () => {
  const redis = new Redis({ lazyConnect: true });
  afterAll(() => redis.disconnect());

  it.each<[unknown, RegExp]>([
    [{ minReplicas: 0 }, /fleet\.minReplicas must be a whole number ≥ 1, got 0/],
    [{ minReplicas: 1.5 }, /fleet\.minReplicas must be a whole number ≥ 1, got 1\.5/],
    [{ ratio: 2 }, /fleet\.ratio must be a number from 0 to 1, got 2/],
    [{ ratio: Number.NaN }, /fleet\.ratio must be a number from 0 to 1, got NaN/],
    [{ decide: 'majority' }, /fleet\.decide must be 'quorum' or 'rate', got "majority"/],
    [
      { reportIntervalMs: 0 },
      /fleet\.reportIntervalMs must be a whole number of ms from 1 to 60000/,
    ],
    [{ minReplica: 2 }, /fleet has no option "minReplica"/],
    ['quorum', /fleet must be an object/],
  ])('%p is refused with a message naming it', (fleet, message) => {
    const options = { fleet: fleet as FleetOptions };
    expect(() => new RedisCircuitStore(redis, options)).toThrow(message);
    expect(() => new RedisCircuitStore(redis, options)).toThrow(/^RedisCircuitStore: /);
    expect(() => new InMemoryCircuitStore(options)).toThrow(/^InMemoryCircuitStore: /);
  });

  it('takes every option', () => {
    const fleet: FleetOptions = {
      decide: 'rate',
      minReplicas: 3,
      ratio: 0.3,
      reportIntervalMs: 100,
    };
    expect(() => new RedisCircuitStore(redis, { fleet })).not.toThrow();
    expect(() => new InMemoryCircuitStore({ fleet })).not.toThrow();
  });
});
