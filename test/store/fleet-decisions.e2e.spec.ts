import {
  CircuitOpenError,
  CircuitState,
  type CircuitStateChange,
  type CircuitOptions,
} from '../../lib/index.js';
import type { Replica } from './support/replica.js';
import { redisReplicas } from './support/redis-replicas.js';
import { waitFor } from './support/wait-for.js';

const { Closed, Open } = CircuitState;

const FAILURE_THRESHOLD = 5;
const payments: CircuitOptions = { failureThreshold: FAILURE_THRESHOLD };

// Issue #19: one replica whose path to a healthy dependency is broken (its DNS, its NIC, a
// sidecar) must never open the circuit for every replica. Under the default fleet decisions, a
// replica's own trip opens that replica and is its vote; the circuit opens for all on a quorum.

describe('RedisCircuitStore fleet decisions (default: a quorum of replicas)', () => {
  const redis = redisReplicas(0, { circuits: { payments } });

  async function start(count: number, circuits = { payments }): Promise<Replica[]> {
    for (let i = 0; i < count; i++) await redis.add({ circuits });
    return redis.replicas;
  }

  /** Every state change of each replica's `payments` circuit from now on. */
  function changesOf(replicas: Replica[]): CircuitStateChange[][] {
    return replicas.map((replica) => {
      const changes: CircuitStateChange[] = [];
      replica.circuit.subscribe((change) => changes.push(change));
      return changes;
    });
  }

  /** Resolves once Redis counts `count` replicas active on `payments` (their reports arrived). */
  async function active(count: number): Promise<void> {
    let members = 0;
    await waitFor(
      () => members === count,
      `${count} active replicas`,
      undefined,
      async () => void (members = await redis.raw.zcard(redis.key('fleet:active'))),
    );
  }

  async function callEach(replicas: Replica[], times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      await Promise.all(replicas.map((r) => r.client.charge().catch(() => undefined)));
    }
  }

  it.each([10, 30])(
    'one broken replica out of %i: it stops calling within its threshold, the healthy ones refuse 0 calls',
    async (count) => {
      const replicas = await start(count);
      const [broken, ...healthy] = replicas as [Replica, ...Replica[]];
      const changes = changesOf(healthy);
      await callEach(replicas, 2);
      await active(count);

      broken.client.failing = true;
      broken.client.calls = 0;
      for (let i = 0; i < FAILURE_THRESHOLD * 3; i++) {
        await broken.client.charge().catch(() => undefined);
      }
      // Its own rule stopped it: the dependency saw exactly its threshold of calls.
      expect(broken.client.calls).toBe(FAILURE_THRESHOLD);
      expect(broken.circuit.state).toBe(Open);
      await expect(broken.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);

      // Its vote reached Redis, and what Redis published since has reached every replica.
      let voters = 0;
      await waitFor(
        () => voters === 1,
        "the broken replica's vote",
        undefined,
        async () => void (voters = await redis.raw.zcard(redis.key('fleet:voters'))),
      );
      await redis.settle();
      expect((await redis.stored())?.state).not.toBe('open');

      for (const replica of healthy) replica.client.calls = 0;
      await callEach(healthy, 10);
      for (const replica of healthy) {
        expect(replica.client.calls).toBe(10);
        expect(replica.circuit.stats().rejections).toBe(0);
        expect(replica.circuit.state).toBe(Closed);
      }
      expect(changes.flat()).toEqual([]);
    },
  );

  it('a real outage opens every replica, those without calls of their own included', async () => {
    const replicas = await start(10);
    const busy = replicas.slice(0, 8);
    const idle = replicas.slice(8);
    await callEach(busy, 2);
    await active(8);
    for (const replica of busy) replica.client.failing = true;
    await callEach(busy, FAILURE_THRESHOLD);
    for (const replica of busy) expect(replica.circuit.state).toBe(Open);
    await waitFor(
      () => idle.every((replica) => replica.circuit.state === Open),
      'the replicas without calls to take the fleet open',
    );
    expect((await redis.stored())?.state).toBe('open');
    for (const replica of idle) {
      await expect(replica.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
      expect(replica.client.calls).toBe(0);
    }
  });

  it('two replicas, one broken, half-open: the healthy one closes the fleet; the broken one stays open on its own', async () => {
    const resetTimeoutMs = 300;
    const [broken, healthy] = (await start(2, {
      // A failed probe backs off to a long open period: no claim window of the engine's gives
      // the broken replica's permit back while it is open; only its failure does.
      payments: { ...payments, resetTimeoutMs, backoffMultiplier: 100, maxResetTimeoutMs: 60_000 },
    })) as [Replica, Replica];
    await callEach([broken, healthy], 1);
    broken.client.failing = healthy.client.failing = true;
    await callEach([broken, healthy], FAILURE_THRESHOLD);
    let stored = await redis.stored();
    await waitFor(
      () => stored?.state === 'open',
      'the outage to open the fleet',
      undefined,
      async () => void (stored = await redis.stored()),
    );
    const [brokenChanges] = changesOf([broken]);

    // The dependency is back, except from the broken replica, which probes first: its probe
    // fails, which reopens it alone (and gives its permit back).
    healthy.client.failing = false;
    await waitFor(
      () => brokenChanges.some((c) => c.reason === 'probe_failed'),
      "the broken replica's probe to fail",
      undefined,
      async () => {
        await broken.client.charge().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    );
    // Its permit is back: none is held for the fleet's half-open period, which its failed
    // probe (a vote, 1 of 2) did not end for the healthy replica.
    const period = healthy.circuit.openUntilEpoch;
    expect(period).toBe(stored!.openUntil);
    let taken: string | null = null;
    await waitFor(
      () => taken === '0',
      'the failed probe’s permit to come back',
      undefined,
      async () => void (taken = await redis.raw.get(redis.key(`probes:${period}`))),
    );
    // Then both keep calling: the healthy replica's probes close the fleet.
    await waitFor(
      () => stored?.state === 'closed' && healthy.circuit.state === Closed,
      "the healthy replica's probes to close the fleet",
      undefined,
      async () => {
        await callEach([broken, healthy], 1);
        stored = await redis.stored();
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    );
    await redis.settle();
    // The broken replica took no automatic closing from the fleet: it probes on its own clock.
    expect(brokenChanges.filter((c) => c.to === Closed && c.reason === 'shared')).toEqual([]);
    expect(broken.circuit.state).not.toBe(Closed);
    // Its failed probes reopen it alone: the healthy replica keeps calling.
    healthy.client.calls = 0;
    await callEach([broken, healthy], 5);
    expect(healthy.client.calls).toBe(5);
    expect(healthy.circuit.state).toBe(Closed);
  });

  it("decide: 'rate': the failure rate over every replica's calls opens them all", async () => {
    const rated = { failureThreshold: Infinity, failureRateThreshold: 0.5, minimumThroughput: 10 };
    for (let i = 0; i < 3; i++)
      await redis.add({ circuits: { payments: rated }, fleet: { decide: 'rate' } });
    const [a, b, c] = redis.replicas as [Replica, Replica, Replica];
    // b's 10 successes, then a's 10 failures: 10 of 20 over the fleet, at the threshold.
    for (let i = 0; i < 10; i++) await b.client.charge();
    await active(1);
    a.client.failing = true;
    for (let i = 0; i < 10; i++) await a.client.charge().catch(() => undefined);
    expect(a.circuit.state).toBe(Open); // its own window: a vote, 1 of 2
    await waitFor(
      () => b.circuit.state === Open && c.circuit.state === Open,
      'the fleet failure rate to open every replica',
    );
    expect((await redis.stored())?.state).toBe('open');
  });

  it('manual states stay fleet-wide: force-open and release reach every replica', async () => {
    const replicas = await start(3);
    replicas[0]!.registry.forceOpen('payments');
    await waitFor(
      () => replicas.every((r) => r.circuit.state === CircuitState.ForcedOpen),
      'forced open everywhere',
    );
    replicas[2]!.registry.release('payments');
    await waitFor(() => replicas.every((r) => r.circuit.state === Closed), 'closed everywhere');
  });

  it('a hold (the dependency asked for room: Retry-After) is saved for every replica, not voted', async () => {
    const replicas = await start(3);
    const [told, ...others] = replicas as [Replica, ...Replica[]];
    told.circuit.holdOpen(30_000);
    await waitFor(() => others.every((r) => r.circuit.state === Open), 'held everywhere');
    for (const other of others) {
      expect(other.circuit.openUntilEpoch).toBe(told.circuit.openUntilEpoch); // one period
      expect(other.circuit.history().at(-1)).toMatchObject({ to: Open, reason: 'shared' });
    }
    expect(await redis.raw.zcard(redis.key('fleet:voters'))).toBe(0);
  });
});
