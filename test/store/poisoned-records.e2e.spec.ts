import { CircuitBreakerHealthIndicator, CircuitOpenError, CircuitState } from '../../lib/index.js';
import { ANY_REPLICA_OPENS, sameOpening, trip, type Replica } from './support/replica.js';
import { redisReplicas } from './support/redis-replicas.js';
import { waitFor } from './support/wait-for.js';

const { Open, Closed, HalfOpen } = CircuitState;

// Whatever Redis holds or its channel carries may be anything: another program's data, a record
// written by hand, an attack. A replica takes only valid records: every field checked, openUntil
// within the circuit's longest open duration. It warns once per key (or circuit), never calls
// Redis unavailable for it, and goes on adopting the good records that follow.

const HOUR = 60 * 60 * 1000;
const record = (fields: Record<string, unknown>) =>
  JSON.stringify({
    circuit: 'payments',
    state: 'open',
    openUntil: Date.now() + 30_000,
    manual: false,
    version: Date.now(),
    ...fields,
  });

/** Poisons, as text for the record key or the channel. */
const POISONS: Array<[string, () => string]> = [
  ['not JSON', () => '{"circuit":"payments",'],
  ['JSON but not an object', () => '42'],
  ['openUntil of the wrong type', () => record({ openUntil: 'soon' })],
  ['version of the wrong type', () => record({ version: '7' })],
  ['manual of the wrong type', () => record({ manual: 'yes' })],
  ['an unknown state', () => record({ state: 'exploded' })],
  ['a half-open state (never shared)', () => record({ state: 'half_open' })],
  ['openUntil 1e16 (past any date)', () => record({ openUntil: 1e16 })],
  [
    'openUntil an hour away (past the circuit’s cap)',
    () => record({ openUntil: Date.now() + HOUR }),
  ],
  ['openUntil -1', () => record({ openUntil: -1 })],
  ['version 1e300', () => record({ version: 1e300 })],
  [
    'version 1e300, forced open',
    () => record({ state: 'forced_open', openUntil: 0, version: 1e300 }),
  ],
  ['version NaN (null in JSON)', () => record({ version: null })],
  ['a fractional version', () => record({ version: 1.5 })],
];

describe('RedisCircuitStore: poisoned records are rejected, once, and change nothing', () => {
  const redis = redisReplicas(3, { fleet: ANY_REPLICA_OPENS });
  /** What `replica` warned about records: its store (naming the key) and its sharing. */
  const warningsOf = (replica: Replica) => [
    ...redis.logs.ignored(replica.loggers.store),
    ...redis.logs.ignored(replica.loggers.sharing),
  ];

  /** The replica works: its stats and health can be read; it stays as it was. */
  async function expectUnharmed(replica: Replica, state: CircuitState): Promise<void> {
    expect(replica.circuit.state).toBe(state);
    expect(replica.registry.stats().map(({ name }) => name)).toContain('payments');
    const health = replica.app.get(CircuitBreakerHealthIndicator);
    await expect(health.isHealthy()).resolves.toBeDefined();
  }

  /** A good record still reaches every replica: a trips, and the others follow. */
  async function expectGoodRecordsAdopted(): Promise<void> {
    const [a, ...others] = redis.replicas as [Replica, ...Replica[]];
    await trip(a);
    await waitFor(() => others.every((r) => sameOpening(r, a)), 'the good record to be adopted');
    for (const replica of others) {
      await expect(replica.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
      expect(replica.client.calls).toBe(0);
    }
  }

  /**
   * No bad key was taken for Redis being unavailable. (On a busy machine a command may go
   * unanswered in time: that outage is a real one.)
   */
  function expectNoOutage(): void {
    for (const outage of redis.logs.outages(undefined)) {
      expect(outage).toMatch(/no answer from Redis within|Redis connection is|connection closed/);
    }
  }

  it.each(POISONS)(
    'at the record key, %s: a starting replica warns once, naming it',
    async (_, poison) => {
      await redis.raw.set(redis.key('state'), poison());
      const d = await redis.add();
      await waitFor(() => warningsOf(d).length > 0, 'the new replica to warn');
      expect(warningsOf(d)).toHaveLength(1);
      expect(warningsOf(d)[0]).toMatch(/Redis key "t\d+:\{payments\}:state"|circuit "payments"/);
      await expectUnharmed(d, Closed);
      await expectGoodRecordsAdopted();
      expect(warningsOf(d)).toHaveLength(1);
      expectNoOutage();
    },
  );

  it.each(POISONS)(
    'on the channel, %s (three times): each replica warns once',
    async (_, poison) => {
      for (let i = 0; i < 3; i++) await redis.raw.publish(redis.channel, poison());
      await waitFor(
        () => redis.replicas.every((r) => warningsOf(r).length > 0),
        'every replica to warn',
      );
      await redis.settle(); // every poisoned message has arrived
      for (const replica of redis.replicas) {
        expect(warningsOf(replica)).toHaveLength(1);
        await expectUnharmed(replica, Closed);
      }
      await expectGoodRecordsAdopted();
      expectNoOutage();
    },
  );

  it('a hash at the record key: one warning naming the key, no outage, and saving replaces it', async () => {
    await redis.raw.hset(redis.key('state'), 'state', 'open');
    const d = await redis.add();
    await waitFor(() => warningsOf(d).length > 0, 'the new replica to warn');
    expect(warningsOf(d)).toEqual([expect.stringMatching(/Redis key "t\d+:\{payments\}:state"/)]);
    await expectUnharmed(d, Closed);
    await expectGoodRecordsAdopted();
    expect(await redis.stored()).toMatchObject({ circuit: 'payments', state: Open });
    expect(warningsOf(d)).toHaveLength(1);
    expectNoOutage();
  });

  it('a hash at the probes key: the probe permit is still granted, once, with no outage', async () => {
    const options = { circuits: { payments: { resetTimeoutMs: 200 } } };
    const replicas = [await redis.add(options), await redis.add(options)];
    const [a, b] = replicas as [Replica, Replica];
    await trip(a);
    await waitFor(() => sameOpening(b, a), 'b to open');
    const { openUntil } = (await redis.stored()) as { openUntil: number };
    await redis.raw.hset(redis.key(`probes:${openUntil}`), 'taken', 'lots');
    a.client.failing = false;
    await waitFor(() => a.circuit.state === HalfOpen && b.circuit.state === HalfOpen, 'half-open');
    const answers: unknown[] = [];
    await waitFor(
      () => answers.includes('charged'),
      'a probe',
      undefined,
      async () => {
        for (const replica of replicas) {
          // Up to the probe: a call after it may find the circuit closed, and run as any call.
          if (!answers.includes('charged'))
            answers.push(await replica.client.charge().catch((e) => e));
        }
      },
    );
    expect(answers.filter((answer) => answer === 'charged')).toHaveLength(1);
    expect(a.client.calls + b.client.calls).toBe(3); // two tripped it, one probed
    expectNoOutage();
  });
});
