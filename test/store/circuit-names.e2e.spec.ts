import { CircuitState, InMemoryCircuitStore, type Circuit } from '../../lib/index.js';
import { Replica, tripNow } from './support/replica.js';
import { redisReplicas } from './support/redis-replicas.js';
import { waitFor } from './support/wait-for.js';

const { Open, Closed, ForcedOpen, Disabled } = CircuitState;

// Circuit names are keys of the stores' maps and of Redis: names that are also keys of
// Object.prototype must be circuits like any other.
const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

/** Each name's circuit on each replica (built if need be). */
const circuitsOf = (replicas: Replica[], name: string): Circuit[] =>
  replicas.map((replica) => replica.registry.getOrCreate(name, { resetTimeoutMs: 60_000 }));

/** Forced, released, tripped (by both) and disabled: every replica follows. */
async function expectShared(
  replicas: Replica[],
  name: string,
  settle: (done: () => boolean, what: string) => Promise<void>,
): Promise<void> {
  const circuits = circuitsOf(replicas, name);
  const [first, second] = circuits as [Circuit, Circuit];
  const everywhere = (state: CircuitState) =>
    settle(() => circuits.every((c) => c.state === state), `${name} ${state} everywhere`);
  first.forceOpen();
  await everywhere(ForcedOpen);
  second.release();
  await everywhere(Closed);
  tripNow(first); // a vote: the quorum of two replicas takes both
  tripNow(second);
  await everywhere(Open);
  second.reset();
  await everywhere(Closed);
  first.disable();
  await everywhere(Disabled);
}

describe('circuit names that are Object.prototype keys', () => {
  describe('through RedisCircuitStore', () => {
    const redis = redisReplicas(2);

    it.each(NAMES)('%s: states shared, and a forced one taken by a new replica', async (name) => {
      await expectShared(redis.replicas, name, waitFor);
      expect(await redis.stored(name)).toMatchObject({ circuit: name, state: Disabled });
      const late = await redis.add();
      const [circuit] = circuitsOf([late], name) as [Circuit];
      await waitFor(() => circuit.state === Disabled, `${name} disabled on the new replica`);
    });

    it.each(NAMES)('%s: a bad record for it is warned about once per replica', async (name) => {
      circuitsOf(redis.replicas, name);
      const bad = JSON.stringify({ circuit: name, state: 'open', openUntil: 'soon', version: 1 });
      for (let i = 0; i < 3; i++) await redis.raw.publish(redis.channel, bad);
      await redis.settle();
      for (const replica of redis.replicas) {
        expect(redis.logs.ignored(replica.loggers.store)).toEqual([
          expect.stringContaining(`Redis key "${redis.key('state', name)}"`),
        ]);
      }
    });
  });

  describe('through InMemoryCircuitStore', () => {
    let store: InMemoryCircuitStore;
    let replicas: Replica[];
    beforeEach(async () => {
      store = new InMemoryCircuitStore();
      replicas = [await Replica.start(store), await Replica.start(store)];
    });
    afterEach(() => Promise.all(replicas.map((replica) => replica.close())));

    it.each(NAMES)('%s: states shared, and a forced one taken by a new replica', async (name) => {
      // In memory, a state reaches the other application at once.
      const now = async (done: () => boolean, what: string) => {
        if (!done()) throw new Error(`not ${what}`);
      };
      await expectShared(replicas, name, now);
      replicas.push(await Replica.start(store));
      const [circuit] = circuitsOf([replicas[2]!], name) as [Circuit];
      await new Promise((resolve) => setImmediate(resolve)); // its record is loaded
      expect(circuit.state).toBe(Disabled);
    });
  });
});
