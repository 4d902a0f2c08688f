import { Agent, fetch } from 'undici';
import {
  CallTimeoutError,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitState,
  circuitBreakerInterceptor,
} from '../../lib/index.js';
import { refusingOrigin, startUpstream, waitFor, type Upstream } from './support/upstream.js';

// fetch through the undici interceptor composed onto an Agent of one's own (undici's fetch: Node's
// global one is of another realm than Jest's sandbox, which turns the errors it carries into
// plain ones). `outbound: { fetch: 'global' }` with Node's own fetch: global-fetch.e2e.spec.ts.

/** What a fetch ended with: its status, or the error (fetch's TypeError, its cause inside). */
async function attempt(url: string, init: { dispatcher: unknown; signal?: AbortSignal }) {
  try {
    const response = await fetch(url, init as Parameters<typeof fetch>[1]);
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return error as Error & { cause?: unknown };
  }
}

describe('outbound fetch: circuitBreakerInterceptor on an Agent of one’s own', () => {
  let upstream: Upstream;
  let registry: CircuitBreakerRegistry;
  let agent: Agent;
  let dispatcher: ReturnType<Agent['compose']>;
  const circuit = () => registry.get(`outbound:${upstream.origin}`)!;

  beforeEach(async () => {
    upstream = await startUpstream();
    registry = new CircuitBreakerRegistry({});
    agent = new Agent();
    dispatcher = agent.compose(
      circuitBreakerInterceptor(registry, {
        defaults: { failureThreshold: 2, resetTimeoutMs: 60_000 },
        origins: { [upstream.origin]: { timeoutMs: 300 } },
      }),
    );
  });
  afterEach(async () => {
    registry.onApplicationShutdown();
    await agent.close();
    await upstream.close();
  });

  it('gives 5xx responses to the caller and counts them; an open origin is refused without a socket', async () => {
    expect(await attempt(`${upstream.origin}/status/500`, { dispatcher })).toBe(500);
    expect(await attempt(`${upstream.origin}/status/502`, { dispatcher })).toBe(502);
    expect(circuit().state).toBe(CircuitState.Open);
    const connections = upstream.connections;
    const refused = await attempt(`${upstream.origin}/ok`, { dispatcher });
    expect((refused as Error).name).toBe('TypeError'); // fetch's own form of a failed request…
    expect((refused as Error).cause).toBeInstanceOf(CircuitOpenError); // …with the refusal inside
    expect(upstream.hits('/ok')).toBe(0);
    expect(upstream.connections).toBe(connections);
  });

  it('does not count 4xx; holds the origin on 429 + Retry-After', async () => {
    expect(await attempt(`${upstream.origin}/status/404`, { dispatcher })).toBe(404);
    expect(await attempt(`${upstream.origin}/status/404`, { dispatcher })).toBe(404);
    expect(circuit().stats()).toMatchObject({ state: CircuitState.Closed, failures: 0 });
    expect(await attempt(`${upstream.origin}/busy/1`, { dispatcher })).toBe(429);
    const held = await attempt(`${upstream.origin}/ok`, { dispatcher });
    expect((held as Error).cause).toBeInstanceOf(CircuitOpenError);
    expect(((held as Error).cause as CircuitOpenError).retryAfterMs).toBeLessThanOrEqual(1_000);
    expect(upstream.hits('/ok')).toBe(0);
    expect(circuit().stats()).toMatchObject({
      state: CircuitState.Open,
      failures: 0,
      rejections: 1,
    });
    expect(circuit().history().at(-1)).toMatchObject({ to: 'open', reason: 'retry_after' });
  });

  it('holds the origin on 503 + Retry-After, then probes and closes once the wait is over', async () => {
    expect(await attempt(`${upstream.origin}/unavailable/1`, { dispatcher })).toBe(503);
    const held = await attempt(`${upstream.origin}/ok`, { dispatcher });
    const refusal = (held as Error).cause as CircuitOpenError;
    expect(refusal).toBeInstanceOf(CircuitOpenError);
    expect(upstream.hits('/ok')).toBe(0);
    expect(circuit().stats()).toMatchObject({
      state: CircuitState.Open,
      failures: 0,
      rejections: 1,
    });
    expect(circuit().history().at(-1)).toMatchObject({ to: 'open', reason: 'retry_after' });
    // A deadline, not a guess: the refusal said when.
    await new Promise((resolve) => setTimeout(resolve, refusal.retryAfterMs + 20));
    expect(await attempt(`${upstream.origin}/ok`, { dispatcher })).toBe(200);
    expect(circuit().state).toBe(CircuitState.Closed);
  });

  it('aborts the real request on timeout, and counts refused connections', async () => {
    const timedOut = await attempt(`${upstream.origin}/hang`, { dispatcher });
    expect((timedOut as Error).cause).toBeInstanceOf(CallTimeoutError);
    expect(circuit().stats().timeouts).toBe(1);
    await waitFor(() => upstream.abandoned === 1);

    const closed = await refusingOrigin();
    await attempt(`${closed}/x`, { dispatcher });
    expect(registry.get(`outbound:${closed}`)!.stats().failures).toBe(1);
  });

  it('does not count the caller’s own abort', async () => {
    const controller = new AbortController();
    const pending = attempt(`${upstream.origin}/hang`, { dispatcher, signal: controller.signal });
    await waitFor(() => upstream.waiting === 1);
    controller.abort();
    expect(((await pending) as Error).name).toBe('AbortError');
    await waitFor(() => circuit().stats().inFlight === 0);
    expect(circuit().stats().failures).toBe(0);
  });

  it('recovers: after the open period a probe passes and closes the circuit', async () => {
    const quick = agent.compose(
      circuitBreakerInterceptor(registry, {
        defaults: { failureThreshold: 1, resetTimeoutMs: 100 },
      }),
    );
    registry.remove(`outbound:${upstream.origin}`);
    expect(await attempt(`${upstream.origin}/fail`, { dispatcher: quick })).toBe(500);
    expect(circuit().state).toBe(CircuitState.Open);
    upstream.recovered = true;
    await waitFor(() => circuit().state === CircuitState.HalfOpen);
    expect(await attempt(`${upstream.origin}/fail`, { dispatcher: quick })).toBe(200);
    expect(circuit().state).toBe(CircuitState.Closed);
  });
});
