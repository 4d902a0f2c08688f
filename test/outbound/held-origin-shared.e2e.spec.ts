import { HttpModule, HttpService } from '@nestjs/axios';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom } from 'rxjs';
import {
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitState,
  InMemoryCircuitStore,
} from '../../lib/index.js';
import { startUpstream, waitFor, type Upstream } from './support/upstream.js';

// An upstream's 429 (or 503) with Retry-After holds its origin on every replica that shares the
// store: the hold is saved like any open state, not put to the fleet's vote as a replica's own
// trip is. The upstream said it, usually to the client identity (an API key) the fleet shares.

/** One replica: an application with its own HttpService (its own axios instance) and registry. */
async function startReplica(store: InMemoryCircuitStore): Promise<INestApplicationContext> {
  @Module({
    imports: [
      HttpModule.register({}),
      CircuitBreakerModule.forRoot({
        store,
        outbound: {
          httpService: true,
          defaults: { failureThreshold: 1, resetTimeoutMs: 60_000 },
        },
      }),
    ],
  })
  class ReplicaModule {}
  const app = await NestFactory.createApplicationContext(ReplicaModule, { logger: false });
  await app.init();
  return app;
}

describe('outbound: a held origin, shared through the store', () => {
  let upstream: Upstream;
  let store: InMemoryCircuitStore;
  let replicas: INestApplicationContext[];

  const get = (replica: INestApplicationContext, path: string) =>
    firstValueFrom(replica.get(HttpService).get(`${upstream.origin}${path}`)).then(
      (response) => response.status,
      (error: unknown) => error,
    );
  const circuitOn = (replica: INestApplicationContext) =>
    replica.get(CircuitBreakerRegistry).get(`outbound:${upstream.origin}`)!;

  beforeEach(async () => {
    upstream = await startUpstream();
    store = new InMemoryCircuitStore(); // fleet decisions: one replica's trip opens only itself
    replicas = [await startReplica(store), await startReplica(store)];
    // Each replica has called the origin once: each has its circuit, closed.
    for (const replica of replicas) expect(await get(replica, '/ok')).toBe(200);
  });
  afterEach(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await upstream.close();
  });

  it('holds the origin on every replica when one is told 429 + Retry-After', async () => {
    const [a, b] = replicas as [INestApplicationContext, INestApplicationContext];
    const answer = (await get(a, '/busy/30')) as { response?: { status: number } };
    expect(answer.response?.status).toBe(429);
    expect(circuitOn(a).history().at(-1)).toMatchObject({ to: 'open', reason: 'retry_after' });
    await waitFor(() => circuitOn(b).state === CircuitState.Open);
    expect(circuitOn(b).history().at(-1)).toMatchObject({ to: 'open', reason: 'shared' });
    expect(circuitOn(b).openUntilEpoch).toBe(circuitOn(a).openUntilEpoch); // one period for all

    const hits = upstream.hits();
    const refused = await get(b, '/ok');
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect((refused as CircuitOpenError).retryAfterMs).toBeGreaterThan(25_000);
    expect((refused as CircuitOpenError).retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(upstream.hits()).toBe(hits); // b never asked: the 429 was a's alone
    expect(circuitOn(b).stats()).toMatchObject({ failures: 0, rejections: 1 });
  });

  it('where a replica’s own failure opens that replica only (its vote)', async () => {
    const [a, b] = replicas as [INestApplicationContext, INestApplicationContext];
    await get(a, '/status/500');
    expect(circuitOn(a).state).toBe(CircuitState.Open);
    // The store has seen the vote (it is synchronous in memory): still one replica of two.
    expect(circuitOn(b).state).toBe(CircuitState.Closed);
    expect(await get(b, '/ok')).toBe(200);
  });
});
