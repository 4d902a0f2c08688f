import { CircuitOpenError, CircuitState, InMemoryCircuitStore } from '../../lib/index.js';
import { Replica, tripNow } from './support/replica.js';
import { redisReplicas } from './support/redis-replicas.js';
import { waitFor } from './support/wait-for.js';

const { Closed, ForcedOpen, Disabled } = CircuitState;

// An operator's forced open or disabled state is never overwritten by an automatic transition of
// any replica, whichever reaches the store first; only release() or reset() ends it.

describe('manual states win through RedisCircuitStore', () => {
  const redis = redisReplicas();

  /** An operator on `a` forces (or disables) while `b` trips by itself, in the same tick. */
  function race(a: Replica, b: Replica, round: number): CircuitState {
    const forced = round % 3 === 2 ? Disabled : ForcedOpen;
    const force = () =>
      forced === Disabled ? a.registry.disable('payments') : a.registry.forceOpen('payments');
    // Both orders: the operator's record reaching Redis first, and last.
    if (round % 2 === 0) {
      force();
      tripNow(b.circuit);
    } else {
      tripNow(b.circuit);
      force();
    }
    return forced;
  }

  async function expectForcedEverywhere(forced: CircuitState): Promise<void> {
    const { replicas } = redis;
    let stored: Record<string, unknown> | null = null;
    await waitFor(
      () => stored?.state === forced && replicas.every((r) => r.circuit.state === forced),
      `${forced} in Redis and on every replica`,
      undefined,
      async () => void (stored = await redis.stored()),
    );
    await redis.settle(); // nothing still on its way undoes it
    expect(replicas.map((r) => r.circuit.state)).toEqual(replicas.map(() => forced));
    expect(await redis.stored()).toMatchObject({ state: forced, manual: true });
    if (forced === ForcedOpen) {
      const [, b] = replicas as [Replica, Replica];
      const calls = b.client.calls;
      await expect(b.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
      expect(b.client.calls).toBe(calls);
    }
  }

  /** release() or reset() through the third replica ends it everywhere. */
  async function endIt(round: number): Promise<void> {
    const { replicas } = redis;
    const c = replicas[2]!;
    if (round % 2 === 0) c.registry.release('payments');
    else c.registry.reset('payments');
    await waitFor(() => replicas.every((r) => r.circuit.state === Closed), 'closed everywhere');
    expect(await redis.stored()).toMatchObject({ state: Closed, manual: true });
  }

  it('an operator forcing on A while B trips in the same tick: forced everywhere, 20 rounds', async () => {
    const [a, b] = redis.replicas as [Replica, Replica];
    for (let round = 0; round < 20; round++) {
      const forced = race(a, b, round);
      await expectForcedEverywhere(forced);
      await endIt(round);
    }
  }, 60_000);

  it('the same race with Redis hanging through both saves: forced everywhere once it answers', async () => {
    const [a, b] = redis.replicas as [Replica, Replica];
    const outages = (replica: Replica) => redis.logs.outages(replica.loggers.store).length;
    try {
      for (let round = 0; round < 4; round++) {
        await redis.allUp();
        const before = [a, b].map(outages);
        redis.server.pause();
        const forced = race(a, b, round);
        // Both saves were sent and got no answer: each of the two stores noticed the outage.
        await waitFor(
          () => [a, b].every((r, i) => outages(r) > before[i]!),
          'both stores to give up their save',
        );
        redis.server.resume();
        // Each store has saved what it could not, and resynchronized.
        await redis.allUp();
        await expectForcedEverywhere(forced);
        await endIt(round);
      }
    } finally {
      redis.server.resume();
    }
  }, 60_000);

  it('a replica that starts while a state is forced takes it, and calls nothing', async () => {
    const [a] = redis.replicas as [Replica];
    a.registry.forceOpen('payments');
    await expectForcedEverywhere(ForcedOpen);
    const d = await redis.add();
    await waitFor(() => d.circuit.state === ForcedOpen, 'the new replica to be forced open');
    await expect(d.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(d.client.calls).toBe(0);
  });
});

describe('manual states win through InMemoryCircuitStore', () => {
  let store: InMemoryCircuitStore;
  let replicas: Replica[];

  beforeEach(async () => {
    store = new InMemoryCircuitStore();
    replicas = [await Replica.start(store), await Replica.start(store)];
  });
  afterEach(() => Promise.all(replicas.map((replica) => replica.close())));

  // In memory, a save reaches every application at once: the forced state comes second.
  it.each([
    ['forceOpen()', ForcedOpen],
    ['disable()', Disabled],
  ])('%s on A right after B trips, in the same tick, 20 rounds: on both', (_, forced) => {
    const [a, b] = replicas as [Replica, Replica];
    for (let round = 0; round < 20; round++) {
      tripNow(b.circuit);
      if (forced === Disabled) a.registry.disable('payments');
      else a.registry.forceOpen('payments');
      expect([a.circuit.state, b.circuit.state]).toEqual([forced, forced]);
      b.registry.release('payments');
      expect([a.circuit.state, b.circuit.state]).toEqual([Closed, Closed]);
    }
  });

  it('a circuit built while its state is forced, and tripped before its record is loaded, is forced', async () => {
    const [a, b] = replicas as [Replica, Replica];
    a.registry.getOrCreate('inventory').forceOpen();
    const late = b.registry.getOrCreate('inventory'); // its record loads asynchronously
    tripNow(late); // …so it trips first, and its automatic save is refused
    expect(late.state).toBe(ForcedOpen);
    await new Promise((resolve) => setImmediate(resolve)); // the load has answered
    expect(late.state).toBe(ForcedOpen);
    expect(a.registry.get('inventory')!.state).toBe(ForcedOpen);
    const c = await Replica.start(store);
    replicas.push(c);
    c.registry.getOrCreate('inventory');
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.registry.get('inventory')!.state).toBe(ForcedOpen);
  });
});
