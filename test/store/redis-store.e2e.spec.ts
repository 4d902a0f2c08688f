import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { CircuitOpenError, CircuitState, RedisCircuitStore } from '../../lib/index.js';
import { ANY_REPLICA_OPENS, Replica, sameOpening, trip } from './support/replica.js';
import { redisReplicas } from './support/redis-replicas.js';
import { settledAtOnce, waitFor } from './support/wait-for.js';

const { Open, Closed, ForcedOpen } = CircuitState;

describe('RedisCircuitStore: three replicas share circuit state through a real redis-server', () => {
  const redis = redisReplicas(3, { fleet: ANY_REPLICA_OPENS });

  it('when one replica opens the circuit, the others reject without calling', async () => {
    const [a, b, c] = redis.replicas as [Replica, Replica, Replica];
    await trip(a);
    await waitFor(() => sameOpening(b, a) && sameOpening(c, a), 'b and c to open');
    for (const replica of [b, c]) {
      expect(replica.circuit.state).toBe(Open);
      await expect(replica.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
      expect(replica.client.calls).toBe(0);
    }
  });

  it('a forced state set through one replica holds on all, and its release too', async () => {
    const [a, b, c] = redis.replicas as [Replica, Replica, Replica];
    a.registry.forceOpen('payments');
    await waitFor(
      () => b.circuit.state === ForcedOpen && c.circuit.state === ForcedOpen,
      'b and c to be forced open',
    );
    await expect(c.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
    b.registry.release('payments');
    await waitFor(() => redis.replicas.every((r) => r.circuit.state === Closed), 'closed on all');
    await expect(c.client.charge()).resolves.toBe('charged');
  });

  it('a restarted replica resumes the open state', async () => {
    const [a, b] = redis.replicas as [Replica, Replica, Replica];
    await trip(a);
    await waitFor(() => sameOpening(b, a), 'b to open');
    await b.close();
    const restarted = await redis.add();
    await waitFor(() => sameOpening(restarted, a), 'the restarted replica to open');
    expect(restarted.circuit.state).toBe(Open);
    await expect(restarted.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(restarted.client.calls).toBe(0);
  });

  it('Redis killed mid-traffic fails or delays no call; what happened meanwhile is shared once it is back', async () => {
    const [a, b, c] = redis.replicas as [Replica, Replica, Replica];
    let served = 0;
    const unexpected: unknown[] = [];
    let traffic = true;
    const flow = (async () => {
      while (traffic) {
        for (const replica of [b, c]) {
          const answer = await settledAtOnce(replica.client.charge());
          if (answer.settled && answer.value === 'charged') served++;
          else unexpected.push(answer);
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();

    await waitFor(() => served >= 20, 'traffic before the outage');
    await redis.server.kill();
    await trip(a); // during the outage: only a knows
    expect(b.circuit.state).toBe(Closed);
    const before = served;
    await waitFor(() => served >= before + 20, 'traffic during the outage');
    traffic = false;
    await flow;
    expect(unexpected).toEqual([]); // every call of b and c answered by the dependency, at once

    await redis.server.restart();
    // a's open state, set while Redis was down, reaches b and c once it is back.
    await waitFor(() => sameOpening(b, a) && sameOpening(c, a), "a's opening to reach b and c");
  });

  it('a Redis that hangs slows no call, is logged once per store, and is caught up with when it answers', async () => {
    const [a, b] = redis.replicas as [Replica, Replica, Replica];
    const outages = (replica: Replica) => redis.logs.outages(replica.loggers.store).length;
    await redis.allUp();
    const before = redis.replicas.map(outages);
    const pings = jest.spyOn(a.redis!, 'time');
    try {
      redis.server.pause();
      await trip(a); // saving the open state gets no answer
      for (let i = 0; i < 20; i++) {
        // Answered before the event loop could hear from Redis: nothing waited on it.
        expect(await settledAtOnce(b.client.charge())).toEqual({ settled: true, value: 'charged' });
      }
      await waitFor(() => outages(a) > before[0]!, "a's store to give up its save");
      // It keeps checking whether Redis is back, without warning again: once per outage.
      const checks = pings.mock.calls.length;
      await waitFor(() => pings.mock.calls.length >= checks + 2, "a's store to check twice more");
      expect(outages(a)).toBe(before[0]! + 1);
      redis.replicas.forEach((r, i) => expect(outages(r)).toBeLessThanOrEqual(before[i]! + 1));

      redis.server.resume();
      // a's open state, saved while Redis hung, reaches b once it answers.
      await waitFor(() => sameOpening(b, a), "a's opening to reach b");
      await redis.allUp(); // each store that reported the outage reports its end
    } finally {
      redis.server.resume();
      pings.mockRestore();
    }
  });

  it('a SUBSCRIBE unanswered at start-up is tried again: the replica hears the others', async () => {
    const [a] = redis.replicas as [Replica];
    const client = new Redis({
      port: redis.server.port,
      host: '127.0.0.1',
      enableOfflineQueue: false,
    });
    client.on('error', () => {});
    // The pub/sub connection's first SUBSCRIBE gets no answer, as from a Redis busy at that moment.
    const duplicate = client.duplicate.bind(client);
    client.duplicate = ((options) => {
      const subscriber = duplicate(options);
      const subscribe = subscriber.subscribe.bind(subscriber) as (c: string) => Promise<unknown>;
      let first = true;
      subscriber.subscribe = ((channel: string) => {
        if (!first) return subscribe(channel);
        first = false;
        return new Promise(() => {});
      }) as Redis['subscribe'];
      return subscriber;
    }) as Redis['duplicate'];
    const late = await Replica.start(
      new RedisCircuitStore(client, { prefix: redis.prefix, fleet: ANY_REPLICA_OPENS }),
      undefined,
      client,
    );
    redis.replicas.push(late);
    await redis.allUp(); // it gave that SUBSCRIBE up, and subscribed again
    await trip(a);
    await waitFor(() => sameOpening(late, a), "a's opening to reach the late replica");
  });
});
