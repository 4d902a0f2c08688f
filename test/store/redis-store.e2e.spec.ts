import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { CircuitOpenError, CircuitState } from '../../lib/index.js';
import { RedisServer } from '../../bench/redis-server.js';
import { RESET_TIMEOUT_MS, Replica, waitFor } from './support/replica.js';

const { Open, Closed, ForcedOpen, HalfOpen } = CircuitState;

describe('RedisCircuitStore: three replicas share circuit state through a real redis-server', () => {
  let redis: RedisServer;
  let replicas: Replica[] = [];
  let prefix = 0;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    redis = await RedisServer.start();
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await redis.kill();
  });
  beforeEach(async () => {
    prefix++; // each test its own keys
    replicas = await Promise.all([0, 1, 2].map(() => Replica.onRedis(redis.port, `t${prefix}`)));
  });
  afterEach(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    expect(unhandled).toEqual([]);
  });

  async function trip(replica: Replica): Promise<void> {
    replica.client.failing = true;
    await expect(replica.client.charge()).rejects.toThrow('payments down');
    await expect(replica.client.charge()).rejects.toThrow('payments down');
    expect(replica.circuit.state).toBe(Open);
  }

  it('when one replica opens the circuit, the others reject within 100 ms without calling', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    await trip(a);
    const seenWithin = await waitFor(
      () => b.circuit.state === Open && c.circuit.state === Open,
      100,
    );
    expect(seenWithin).toBeLessThan(100);
    for (const replica of [b, c]) {
      await expect(replica.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
      expect(replica.client.calls).toBe(0);
      // The same open period everywhere: the probes are due at the same moment.
      expect(replica.circuit.stats().openUntil).toBe(a.circuit.stats().openUntil);
    }
  });

  it('shares the half-open probe budget: three replicas together send one probe', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    await trip(a);
    await waitFor(() => replicas.every((r) => r.circuit.state === Open), 100);
    a.client.failing = false;
    for (const replica of replicas) replica.client.latencyMs = 800; // the probe outlasts the waves
    const callsBefore = a.client.calls;
    await new Promise((resolve) => setTimeout(resolve, RESET_TIMEOUT_MS + 20));

    // Waves of concurrent callers on every replica while the circuit is half-open.
    const outcomes: Array<Promise<unknown>> = [];
    for (let wave = 0; wave < 10; wave++) {
      for (const replica of replicas) {
        for (let i = 0; i < 20; i++) outcomes.push(replica.client.charge().catch((e) => e));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const results = await Promise.all(outcomes);
    const probes = a.client.calls - callsBefore + b.client.calls + c.client.calls;
    expect(probes).toBe(1);
    expect(results.filter((r) => r === 'charged')).toHaveLength(1);
    expect(results.filter((r) => r instanceof CircuitOpenError)).toHaveLength(results.length - 1);
    // The probe succeeded: the circuit closes everywhere.
    await waitFor(() => replicas.every((r) => r.circuit.state === Closed), 100);
  }, 10_000);

  it('a forced state set through one replica holds on all, and its release too', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    a.registry.forceOpen('payments');
    await waitFor(() => b.circuit.state === ForcedOpen && c.circuit.state === ForcedOpen, 100);
    await expect(c.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
    b.registry.release('payments');
    await waitFor(() => replicas.every((r) => r.circuit.state === Closed), 100);
    await expect(c.client.charge()).resolves.toBe('charged');
  });

  it('a restarted replica resumes the open state within its open duration', async () => {
    const [a] = replicas as [Replica, Replica, Replica];
    await trip(a);
    const openUntil = a.circuit.stats().openUntil;
    await replicas[1]!.close();
    replicas[1] = await Replica.onRedis(redis.port, `t${prefix}`);
    await waitFor(() => replicas[1]!.circuit.state === Open, 500);
    expect(replicas[1]!.circuit.stats().openUntil).toBe(openUntil);
    await expect(replicas[1]!.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(replicas[1]!.client.calls).toBe(0);
  });

  it('Redis killed mid-traffic fails no call; what happened meanwhile is shared once it is back', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    let failed = 0;
    let served = 0;
    let traffic = true;
    const flow = (async () => {
      while (traffic) {
        const answers = await Promise.allSettled([b.client.charge(), c.client.charge()]);
        for (const answer of answers) {
          if (answer.status === 'fulfilled') served++;
          else failed++;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 100));
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await trip(a); // during the outage: only a knows
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(b.circuit.state).toBe(Closed);
    traffic = false;
    await flow;
    expect(failed).toBe(0); // the outage cost no call of b or c
    expect(served).toBeGreaterThan(20);

    await redis.restart();
    // a's open state, set while Redis was down, reaches b and c once it is back.
    await waitFor(() => b.circuit.state === Open && c.circuit.state === Open, 2_000);
    expect(b.circuit.stats().openUntil).toBe(a.circuit.stats().openUntil);
  });

  it('a Redis that hangs slows no call, is logged once, and is caught up with when it answers', async () => {
    const [a, b] = replicas as [Replica, Replica, Replica];
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      redis.pause();
      await trip(a); // saving the open state gets no answer
      const started = performance.now();
      for (let i = 0; i < 20; i++) await expect(b.client.charge()).resolves.toBe('charged');
      expect(performance.now() - started).toBeLessThan(100); // nothing waited on Redis
      await new Promise((resolve) => setTimeout(resolve, 300)); // the commands time out
      const outages = warn.mock.calls.filter(([message]) =>
        String(message).includes('Redis unavailable'),
      );
      expect(outages.length).toBeGreaterThanOrEqual(1);
      expect(new Set(warn.mock.contexts)).toEqual(
        new Set(outages.map(() => warn.mock.contexts[0])),
      );
      const perStore = new Map<unknown, number>();
      for (const store of warn.mock.contexts) perStore.set(store, (perStore.get(store) ?? 0) + 1);
      expect(Math.max(...perStore.values())).toBe(1); // once per replica, not per command
      redis.resume();
      // a's open state, saved while Redis hung, reaches b once it answers.
      await waitFor(() => b.circuit.state === Open, 2_500);
      expect(b.circuit.stats().openUntil).toBe(a.circuit.stats().openUntil);
    } finally {
      redis.resume();
      warn.mockRestore();
    }
  });

  it('with Redis down, a half-open replica falls back to its own probe permits', async () => {
    const [a] = replicas as [Replica, Replica, Replica];
    await trip(a);
    await redis.kill();
    a.client.failing = false;
    await new Promise((resolve) => setTimeout(resolve, RESET_TIMEOUT_MS + 20));
    expect(a.circuit.state).toBe(HalfOpen);
    // The first would-be probe asks Redis, which cannot answer: the next one probes locally.
    await expect(a.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(a.client.charge()).resolves.toBe('charged');
    expect(a.circuit.state).toBe(Closed);
    await redis.restart();
    // Closing a client while it reconnects leaves ioredis's connect timer running: let them connect.
    await waitFor(() => replicas.every((r) => r.redis!.status === 'ready'), 2_000);
  });
});
