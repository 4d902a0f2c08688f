import { CircuitState } from '../../lib/index.js';
import { REDIS_CLOCK_SKEW_MS } from '../../lib/store/redis-clock.js';
import type { Replica } from './support/replica.js';
import { ANY_REPLICA_OPENS } from './support/replica.js';
import { redisReplicas } from './support/redis-replicas.js';
import { waitFor } from './support/wait-for.js';

const { Closed, ForcedOpen } = CircuitState;
const HOUR = 60 * 60 * 1000;

// Versions come from Redis's clock. A record far ahead of it (a replica with a wrong clock, one
// written by hand) is refused: taken, it would make every later record look older, and the
// replicas that heard it would ignore every change until they restart.

describe("RedisCircuitStore: a record ahead of Redis's clock", () => {
  const redis = redisReplicas(2, { fleet: ANY_REPLICA_OPENS });

  async function redisNow(): Promise<number> {
    const [seconds, micros] = await redis.raw.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  it.each([1, 23])(
    'published %i h ahead on the channel: refused, and later changes still reach every replica',
    async (hours) => {
      const [a, b] = redis.replicas as [Replica, Replica];
      const ahead = {
        circuit: 'payments',
        state: 'open',
        openUntil: Date.now() + 30_000,
        manual: false,
        version: (await redisNow()) + hours * HOUR,
      };
      await redis.raw.publish(redis.channel, JSON.stringify(ahead));
      await redis.settle(); // the record has reached every replica
      for (const replica of [a, b]) expect(replica.circuit.state).toBe(Closed);
      expect(redis.logs.ignored(b.loggers.store)).toEqual([
        expect.stringMatching(/version \d+ is more than 5000 ms ahead of Redis's clock/),
      ]);

      a.registry.forceOpen('payments');
      await waitFor(() => b.circuit.state === ForcedOpen, 'forceOpen() on a to reach b');
      b.registry.release('payments');
      await waitFor(() => a.circuit.state === Closed, 'release() on b to reach a');
    },
  );

  it('stored ahead at the record key: a starting replica refuses it, and the next save replaces it', async () => {
    const [a] = redis.replicas as [Replica];
    const version = (await redisNow()) + 2 * REDIS_CLOCK_SKEW_MS + HOUR;
    await redis.raw.set(
      redis.key('state'),
      JSON.stringify({ circuit: 'payments', state: 'forced_open', openUntil: 0, version }),
    );
    const c = await redis.add();
    await waitFor(() => redis.logs.ignored(c.loggers.store).length > 0, 'c to refuse the record');
    expect(c.circuit.state).toBe(Closed);
    a.registry.forceOpen('payments');
    await waitFor(() => c.circuit.state === ForcedOpen, 'forceOpen() on a to reach c');
    expect((await redis.stored())!.version as number).toBeLessThan(version);
    a.registry.release('payments');
    await waitFor(() => c.circuit.state === Closed, 'release() on a to reach c');
  });
});
