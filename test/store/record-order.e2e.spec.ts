import { CircuitOpenError, CircuitState } from '../../lib/index.js';
import { ANY_REPLICA_OPENS, sameOpening, trip, type Replica } from './support/replica.js';
import { redisReplicas } from './support/redis-replicas.js';
import { waitFor } from './support/wait-for.js';

const { Closed, ForcedOpen, Disabled } = CircuitState;

// Records are ordered by Redis's clock, raised past the stored record's version: the order
// survives a Redis restarted without persistence, and a record from the far future orders
// nothing. Forced states that a restart lost are saved again by the replicas that know them.

describe('RedisCircuitStore: the order of records, through restarts and bad versions', () => {
  const redis = redisReplicas(3, { fleet: ANY_REPLICA_OPENS });
  /** Kills Redis, starts it again empty, and waits until every replica's store has resynchronized. */
  async function restartRedisEmpty(): Promise<void> {
    const outages = () => redis.replicas.map((r) => redis.logs.outages(r.loggers.store).length);
    await redis.allUp(); // so that each store reports the outage to come
    const before = outages();
    await redis.server.kill();
    // Each store loses its subscription: an outage, whose end is logged once caught up with.
    await waitFor(() => outages().every((count, i) => count > before[i]!), 'every store to notice');
    await redis.server.restart();
    await redis.allUp();
  }

  async function everywhere(state: CircuitState): Promise<void> {
    await waitFor(
      () => redis.replicas.every((r) => r.circuit.state === state),
      `${state} everywhere`,
    );
  }

  it('after Redis restarted empty, a state forced on one replica reaches the others', async () => {
    const [a, b, c] = redis.replicas as [Replica, Replica, Replica];
    // Some history: each replica remembers the versions it saw.
    for (let i = 0; i < 3; i++) {
      await trip(a);
      await waitFor(() => sameOpening(b, a) && sameOpening(c, a), 'b and c to open');
      a.registry.reset('payments');
      await everywhere(Closed);
    }
    await restartRedisEmpty();
    expect(await redis.stored()).toBeNull();
    a.registry.forceOpen('payments');
    await everywhere(ForcedOpen);
    b.registry.release('payments');
    await everywhere(Closed);
    a.client.failing = true;
    await trip(c);
    await waitFor(() => sameOpening(a, c) && sameOpening(b, c), "c's opening to reach a and b");
  });

  it.each([
    ['forced open', 'forceOpen', ForcedOpen],
    ['disabled', 'disable', Disabled],
  ] as const)(
    'a state %s before Redis restarted empty is saved again: a new replica starts with it',
    async (_, command, forced) => {
      const [a] = redis.replicas as [Replica];
      a.registry[command]('payments');
      await everywhere(forced);
      await restartRedisEmpty();
      let stored: Record<string, unknown> | null = null;
      await waitFor(
        () => stored?.state === forced,
        'the forced state to be saved again',
        undefined,
        async () => void (stored = await redis.stored()),
      );
      expect(stored).toMatchObject({ manual: true });
      const d = await redis.add();
      await waitFor(() => d.circuit.state === forced, 'the new replica to take the forced state');
      if (forced === ForcedOpen) {
        await expect(d.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
        expect(d.client.calls).toBe(0);
      }
    },
  );

  it('a record with version 1e300, stored and published, blocks no later record', async () => {
    const [a, b, c] = redis.replicas as [Replica, Replica, Replica];
    const poisoned = JSON.stringify({
      circuit: 'payments',
      state: 'closed',
      openUntil: 0,
      manual: true,
      version: 1e300,
    });
    await redis.raw.set(redis.key('state'), poisoned);
    await redis.raw.publish(redis.channel, poisoned);
    await trip(a);
    await waitFor(() => sameOpening(b, a) && sameOpening(c, a), 'b and c to open');
    expect((await redis.stored())!.version).toBeLessThan(Date.now() + 60_000);
    c.registry.forceOpen('payments');
    await everywhere(ForcedOpen);
    a.registry.release('payments');
    await everywhere(Closed);
  });
});
