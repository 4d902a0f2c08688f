import { HttpModule, HttpService } from '@nestjs/axios';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import {
  CallTimeoutError,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitState,
  type CircuitBreakerOutboundOptions,
} from '../../lib/index.js';
import { startApp, type Adapter, type RunningApp } from '../core/support/start-app.js';
import { PaymentsClient, PaymentsModule } from './support/payments-module.js';
import { refusingOrigin, startUpstream, waitFor, type Upstream } from './support/upstream.js';

// outbound: { httpService: true } — every HttpService call goes through its origin's circuit,
// with no decorator: real axios against real loopback servers, on Express and Fastify.

let upstream: Upstream;
// The origin that hangs has the short timeout; the one that answers has none, so no answer it
// gives can lose a race with a timer on a loaded machine.
let slow: Upstream;

@Controller('proxy')
class ProxyController {
  constructor(readonly http: HttpService) {}

  /** Calls the upstream's `path`: an open origin answers 503 + Retry-After here. */
  @Get(':path')
  async proxy(@Param('path') path: string) {
    const response = await firstValueFrom(this.http.get(`${upstream.origin}/${path}`));
    return { status: response.status };
  }
}

function appModule(outbound: CircuitBreakerOutboundOptions) {
  @Module({
    imports: [HttpModule, PaymentsModule, CircuitBreakerModule.forRoot({ outbound })],
    controllers: [ProxyController],
  })
  class AppModule {}
  return AppModule;
}

const statusOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error;
  }
};

describe.each<Adapter>(['express', 'fastify'])('outbound HttpService (%s)', (adapter) => {
  let app: RunningApp;
  let http: HttpService;
  let registry: CircuitBreakerRegistry;
  const get = (path: string, origin = upstream.origin) =>
    firstValueFrom(http.get(`${origin}${path}`));
  const circuitOf = (origin = upstream.origin) => registry.get(`outbound:${origin}`);

  beforeEach(async () => {
    upstream = await startUpstream();
    slow = await startUpstream();
    app = await startApp(
      appModule({
        httpService: true,
        defaults: {
          failureThreshold: 3,
          resetTimeoutMs: 60_000,
          retry: { attempts: 3, delayMs: 1 },
        },
        origins: { [slow.origin]: { timeoutMs: 300 } },
      }),
      adapter,
    );
    http = app.get(ProxyController).http; // HttpModule's own, on axios's default instance
    registry = app.get(CircuitBreakerRegistry);
  });
  afterEach(async () => {
    await app.close();
    await upstream.close();
    await slow.close();
  });

  it('opens the origin’s circuit on 5xx, then refuses locally: no socket, 503 + Retry-After through a route', async () => {
    const error = (await statusOf(get('/status/500'))) as { response?: { status: number } };
    expect(error.response?.status).toBe(500); // the caller gets the 500 itself
    // Three attempts (the GET is retried), three counted failures: failureThreshold.
    expect(upstream.hits('/status/500')).toBe(3);
    expect(circuitOf()!.state).toBe(CircuitState.Open);
    const connections = upstream.connections;
    const hits = upstream.hits();
    const refused = await statusOf(get('/ok'));
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect((refused as CircuitOpenError).circuit).toBe(`outbound:${upstream.origin}`);
    expect(upstream.hits()).toBe(hits);
    expect(upstream.connections).toBe(connections);

    const route = await fetch(`${app.url}/proxy/ok`);
    expect(route.status).toBe(503);
    expect(Number(route.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('names the circuit by origin only, never the path or the query', async () => {
    await get('/ok?token=secret');
    expect(registry.names().filter((name) => name.startsWith('outbound:'))).toEqual([
      `outbound:${upstream.origin}`,
    ]);
  });

  it('does not count 4xx', async () => {
    for (let i = 0; i < 6; i++) await statusOf(get('/status/404'));
    expect(circuitOf()!.state).toBe(CircuitState.Closed);
    expect(circuitOf()!.stats().failures).toBe(0);
  });

  it.each([
    ['429', '/busy/30'],
    ['503', '/unavailable/30'],
  ])('holds the origin on %s with Retry-After, without counting a failure', async (_, path) => {
    const answer = (await statusOf(get(path))) as { response?: { status: number } };
    expect(answer.response?.status).toBeGreaterThanOrEqual(429);
    const hits = upstream.hits();
    const refused = await statusOf(get('/ok'));
    expect(refused).toBeInstanceOf(CircuitOpenError);
    // 30 s: long enough for no stall of a loaded machine to end the hold before this refusal.
    expect((refused as CircuitOpenError).retryAfterMs).toBeGreaterThan(1_000);
    expect((refused as CircuitOpenError).retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(upstream.hits()).toBe(hits);
    // The circuit's own state says it: open, the refusal a rejection, no failure counted.
    const circuit = circuitOf()!;
    expect(circuit.stats()).toMatchObject({ state: CircuitState.Open, failures: 0, rejections: 1 });
    expect(circuit.history().at(-1)).toMatchObject({
      from: 'closed',
      to: 'open',
      reason: 'retry_after',
    });
    expect(upstream.hits(path)).toBe(1); // not retried: the upstream said when to come back
  });

  it.each([
    ['429', '/busy/1'],
    ['503', '/unavailable/1'],
  ])('once a %s’s Retry-After wait is over, probes the origin and closes', async (_, path) => {
    await statusOf(get(path));
    const circuit = circuitOf()!;
    expect(circuit.history().at(-1)).toMatchObject({ to: 'open', reason: 'retry_after' });
    await waitFor(() => circuit.state === CircuitState.HalfOpen);
    expect((await get('/ok')).status).toBe(200);
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('takes a 429 without Retry-After as an answer: neither counted nor held', async () => {
    for (let i = 0; i < 4; i++) await statusOf(get('/status/429'));
    expect(upstream.hits('/status/429')).toBe(4); // not retried either: a 4xx
    expect(circuitOf()!.stats()).toMatchObject({ state: CircuitState.Closed, failures: 0 });
    expect((await get('/ok')).status).toBe(200);
  });

  it('counts a 503 without Retry-After as a failure', async () => {
    await statusOf(get('/status/503'));
    expect(circuitOf()!.stats().failures).toBeGreaterThanOrEqual(1);
  });

  it('aborts the real request on timeout: the server sees its client go', async () => {
    const error = await statusOf(get('/hang', slow.origin));
    expect(error).toBeInstanceOf(CallTimeoutError);
    await waitFor(() => slow.abandoned >= 1);
  });

  it('counts refused connections, and retries idempotent requests only', async () => {
    const closed = await refusingOrigin();
    await statusOf(get('/x', closed));
    expect(circuitOf(closed)!.stats().failures).toBeGreaterThanOrEqual(1);

    await statusOf(get('/fail'));
    expect(upstream.hits('/fail')).toBe(3); // GET: retried
    registry.reset(`outbound:${upstream.origin}`);
    await statusOf(firstValueFrom(http.post(`${upstream.origin}/fail`, { a: 1 })));
    expect(upstream.hits('/fail')).toBe(4); // POST: once
  });

  it('protects HttpModule.register() instances too', async () => {
    const payments = app.get(PaymentsClient).http;
    expect(payments.axiosRef).not.toBe(http.axiosRef);
    await firstValueFrom(payments.get(`${upstream.origin}/ok`));
    expect(circuitOf()!.stats().successes).toBe(1);
  });
});
