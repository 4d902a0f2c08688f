import { CircuitOpenError, CircuitState } from '../../lib/index.js';
import {
  ANY_REPLICA_OPENS,
  Concurrency,
  sameOpening,
  trip,
  type Replica,
} from './support/replica.js';
import { redisReplicas } from './support/redis-replicas.js';
import { waitFor } from './support/wait-for.js';

const { Closed, HalfOpen } = CircuitState;

/** A short open duration, to reach half-open quickly. */
const RESET_TIMEOUT_MS = 200;
/** Redis's time to answer a command (the store's `commandTimeoutMs`) where a test needs the answer. */
const PERMIT_ANSWERED_WITHIN_MS = 10_000;

describe('RedisCircuitStore: half-open probe permits shared by three replicas', () => {
  const redis = redisReplicas(0, { fleet: ANY_REPLICA_OPENS });

  /** Three replicas, opened by the first, all half-open; their dependency holds every call. */
  async function halfOpen(halfOpenMaxCalls: number) {
    const options = {
      circuits: { payments: { resetTimeoutMs: RESET_TIMEOUT_MS, halfOpenMaxCalls } },
      // A permit asked for must be answered by Redis, not given up after 100 ms (which, on a
      // busy machine, would let the replica probe on its own permits: one probe too many).
      commandTimeoutMs: PERMIT_ANSWERED_WITHIN_MS,
    };
    const replicas = [await redis.add(options), await redis.add(options), await redis.add(options)];
    const [a] = replicas as [Replica];
    await trip(a);
    await waitFor(() => replicas.every((r) => sameOpening(r, a)), 'every replica to open');
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const concurrency = new Concurrency();
    for (const replica of replicas) {
      replica.client.failing = false;
      replica.client.gate = gate; // a probe runs until the test lets it answer
      replica.client.concurrency = concurrency;
    }
    await waitFor(() => replicas.every((r) => r.circuit.state === HalfOpen), 'half-open');
    const outcomes: Array<Promise<unknown>> = [];
    /** Ten callers on each replica at once. */
    const wave = async () => {
      for (const replica of replicas) {
        for (let i = 0; i < 10; i++) outcomes.push(replica.client.charge().catch((e) => e));
      }
    };
    return { replicas, concurrency, release, outcomes, wave };
  }

  it.each([1, 2])(
    'with halfOpenMaxCalls: %i, never more probes at once, however long they run',
    async (max) => {
      const { replicas, concurrency, release, outcomes, wave } = await halfOpen(max);
      await waitFor(() => concurrency.now === max, `${max} probe(s) to start`, undefined, wave);
      // Callers keep coming, on every replica, long past resetTimeoutMs (which the permits'
      // lease once was, and the delay after which a refused replica asks again).
      const started = performance.now();
      await waitFor(
        () => performance.now() - started > 5 * RESET_TIMEOUT_MS,
        'half-open traffic',
        undefined,
        wave,
      );
      expect(concurrency.max).toBe(max);
      expect(replicas.reduce((calls, r) => calls + r.client.calls, 0)).toBe(2 + max); // 2 tripped it
      release(); // the probes succeed
      const results = await Promise.all(outcomes);
      // Each call probed, was refused, or (waiting for a permit when the probes closed the
      // circuit) ran as an ordinary call.
      expect(results.filter((r) => r === 'charged').length).toBeGreaterThanOrEqual(max);
      expect(results.every((r) => r === 'charged' || r instanceof CircuitOpenError)).toBe(true);
      await waitFor(() => replicas.every((r) => r.circuit.state === Closed), 'closed everywhere');
    },
    30_000,
  );

  it('with Redis down, a half-open replica falls back to its own probe permits', async () => {
    const { replicas, concurrency, release } = await halfOpen(1);
    const [a] = replicas as [Replica];
    release();
    await redis.server.kill();
    // The would-be probe asks Redis, which cannot answer: it (or a later one) probes locally.
    const refused: unknown[] = [];
    let answer: unknown;
    await waitFor(
      () => answer === 'charged',
      'a local probe',
      undefined,
      async () => {
        answer = await a.client.charge().catch((error: unknown) => error);
        if (answer !== 'charged') refused.push(answer);
      },
    );
    expect(refused.every((error) => error instanceof CircuitOpenError)).toBe(true);
    expect(concurrency.max).toBe(1);
    expect(a.circuit.state).toBe(Closed);
    await redis.server.restart();
    // Closing a client while it reconnects leaves ioredis's connect timer running: let them connect.
    await waitFor(() => replicas.every((r) => r.redis!.status === 'ready'), 'clients to reconnect');
  });

  describe('with traffic on one replica only', () => {
    /** Two replicas, opened by a, both half-open, the dependency healthy again. */
    async function halfOpenPair() {
      const options = { circuits: { payments: { resetTimeoutMs: RESET_TIMEOUT_MS } } };
      const [a, b] = [await redis.add(options), await redis.add(options)] as [Replica, Replica];
      await trip(a);
      await waitFor(() => sameOpening(b, a), 'b to open');
      a.client.failing = false;
      await waitFor(
        () => a.circuit.state === HalfOpen && b.circuit.state === HalfOpen,
        'half-open',
      );
      return [a, b] as const;
    }

    it('its first call after the open period waits for the shared permit and probes', async () => {
      const [a, b] = await halfOpenPair();
      await expect(b.client.charge()).resolves.toBe('charged');
      expect(b.circuit.state).toBe(Closed);
      await waitFor(() => a.circuit.state === Closed, 'a to close too');
    });

    it('a permit its holder did not use goes back: the replica with traffic probes', async () => {
      const [a, b] = await halfOpenPair();
      // a sync call cannot wait: refused, it still asked for the permit, which a then holds.
      expect(() => a.circuit.executeSync(() => 'probe')).toThrow(CircuitOpenError);
      const permits = redis.key(`probes:${a.circuit.openUntilEpoch}`);
      let taken: string | null = null;
      await waitFor(
        () => taken === '1',
        'a to hold the permit',
        undefined,
        async () => void (taken = await redis.raw.get(permits)),
      );
      // Only b has traffic from now on. a's lease would last probeTimeoutMs (60 s): the claim
      // window gives the unused permit back within about a second.
      const refused: unknown[] = [];
      let answer: unknown;
      await waitFor(
        () => answer === 'charged',
        "b's probe",
        undefined,
        async () => {
          answer = await b.client.charge().catch((error: unknown) => error);
          if (answer !== 'charged') refused.push(answer);
        },
      );
      expect(refused.every((error) => error instanceof CircuitOpenError)).toBe(true);
      expect(a.client.calls + b.client.calls).toBe(3); // two tripped it, one probed
      await waitFor(() => a.circuit.state === Closed, 'a to close too');
    });
  });
});
