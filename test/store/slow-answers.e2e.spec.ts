import { CircuitState } from '../../lib/index.js';
import { ANY_REPLICA_OPENS, sameOpening, trip, type Replica } from './support/replica.js';
import { redisReplicas } from './support/redis-replicas.js';
import { waitFor } from './support/wait-for.js';

const { Closed } = CircuitState;

// One slow answer is not an outage. Redis is unavailable when the connection says so (an error,
// a close, not ready), when Redis answers with an error, or when nothing at all answers for a
// second after a command went unanswered in time: then, and only then, "Redis unavailable".

describe('RedisCircuitStore: answers later than commandTimeoutMs', () => {
  const redis = redisReplicas(2, { fleet: ANY_REPLICA_OPENS });
  const outages = () =>
    redis.replicas.flatMap((replica) => redis.logs.outages(replica.loggers.store));

  it('Redis held for 400 ms, five times (CLIENT PAUSE): no outage, and every late save is shared', async () => {
    const [a, b] = redis.replicas as [Replica, Replica];
    await redis.allUp();
    expect(outages()).toEqual([]);
    for (let round = 0; round < 5; round++) {
      // Every other client's commands wait 400 ms, 4 × commandTimeoutMs, then are answered.
      await redis.raw.call('CLIENT', 'PAUSE', '400');
      await trip(a); // its save times out, and is answered later
      await waitFor(() => sameOpening(b, a), "a's opening, answered late, to reach b");
      await redis.raw.call('CLIENT', 'PAUSE', '400');
      a.registry.reset('payments');
      await waitFor(() => b.circuit.state === Closed, "a's reset, answered late, to reach b");
      a.client.failing = false;
    }
    expect(outages()).toEqual([]);
    expect(redis.logs.recoveries(undefined)).toEqual([]);
  });

  it('Redis that stops answering for good (SIGSTOP) is still an outage, logged once', async () => {
    const [a] = redis.replicas as [Replica, Replica];
    await redis.allUp();
    redis.server.pause();
    await trip(a);
    await waitFor(() => redis.logs.outages(a.loggers.store).length > 0, "a's store to give up");
    expect(redis.logs.outages(a.loggers.store)).toEqual([
      expect.stringMatching(/^Redis unavailable \(no answer from Redis within 1000 ms\)/),
    ]);
    redis.server.resume();
    await redis.allUp();
  });
});
