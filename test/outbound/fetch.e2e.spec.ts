import { Dispatcher, request } from 'undici';
import {
  CallTimeoutError,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitState,
  circuitBreakerDispatcher,
  circuitBreakerInterceptor,
  type CircuitBreakerOutboundOptions,
} from '../../lib/index.js';
import { attempt, newFormHandler, RecordingAgent } from './support/dispatch.js';
import { refusingOrigin, startUpstream, waitFor, type Upstream } from './support/upstream.js';

// fetch through the undici interceptor composed onto an Agent of one's own, and through the
// dispatcher wrapping one: the same guarantees, each handler form (undici's fetch: Node's global
// one is of another realm than Jest's sandbox, which turns the errors it carries into plain ones).
// The wrapper's own: fetch-dispatcher.e2e.spec.ts; `outbound: { fetch: 'global' }` with Node's
// own fetch: global-fetch.e2e.spec.ts.

type Options = Omit<CircuitBreakerOutboundOptions, 'httpService' | 'fetch'>;
type Protect = (registry: CircuitBreakerRegistry, agent: Dispatcher, options: Options) => unknown;
// Each, and the form in which fetch's (legacy) handler reaches the Agent: compose() converts it.
const protections: Array<[string, Protect, 'new' | 'legacy']> = [
  [
    'circuitBreakerInterceptor composed onto',
    (r, a, o) => a.compose(circuitBreakerInterceptor(r, o)),
    'new',
  ],
  ['circuitBreakerDispatcher() wrapping', (r, a, o) => circuitBreakerDispatcher(r, a, o), 'legacy'],
];

/** A refusal while an origin holds for `Retry-After: 30`: long enough for no stall to end it. */
function expectHeldFor30s(refusal: CircuitOpenError): void {
  expect(refusal).toBeInstanceOf(CircuitOpenError);
  expect(refusal.retryAfterMs).toBeGreaterThan(1_000);
  expect(refusal.retryAfterMs).toBeLessThanOrEqual(30_000);
}

describe.each(protections)('outbound fetch: %s an Agent of one’s own', (_name, protect, form) => {
  let upstream: Upstream;
  // The origin that hangs has the short timeout; the one that answers has none, so no answer
  // it gives can lose a race with a timer on a loaded machine.
  let slow: Upstream;
  let registry: CircuitBreakerRegistry;
  let agent: RecordingAgent;
  let dispatcher: Dispatcher;
  const circuit = () => registry.get(`outbound:${upstream.origin}`)!;
  const slowCircuit = () => registry.get(`outbound:${slow.origin}`)!;

  beforeEach(async () => {
    upstream = await startUpstream();
    slow = await startUpstream();
    registry = new CircuitBreakerRegistry({});
    agent = new RecordingAgent();
    dispatcher = protect(registry, agent, {
      defaults: { failureThreshold: 2, resetTimeoutMs: 60_000 },
      origins: { [slow.origin]: { timeoutMs: 300 } },
    }) as Dispatcher;
  });
  afterEach(async () => {
    registry.onApplicationShutdown();
    await agent.close();
    await upstream.close();
    await slow.close();
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
    expect(agent.forms).toEqual([form, form]);
  });

  it('counts 5xx and refuses an open origin without a socket through request() too', async () => {
    for (const status of [500, 502]) {
      const answered = await request(`${upstream.origin}/status/${status}`, { dispatcher });
      await answered.body.dump();
      expect(answered.statusCode).toBe(status);
    }
    expect(circuit().state).toBe(CircuitState.Open);
    const connections = upstream.connections;
    await expect(request(`${upstream.origin}/ok`, { dispatcher })).rejects.toBeInstanceOf(
      CircuitOpenError,
    );
    expect(upstream.hits('/ok')).toBe(0);
    expect(upstream.connections).toBe(connections);
  });

  it('does not count 4xx; holds the origin on 429 + Retry-After', async () => {
    expect(await attempt(`${upstream.origin}/status/404`, { dispatcher })).toBe(404);
    expect(await attempt(`${upstream.origin}/status/404`, { dispatcher })).toBe(404);
    expect(circuit().stats()).toMatchObject({ state: CircuitState.Closed, failures: 0 });
    expect(await attempt(`${upstream.origin}/busy/30`, { dispatcher })).toBe(429);
    const held = await attempt(`${upstream.origin}/ok`, { dispatcher });
    expect((held as Error).cause).toBeInstanceOf(CircuitOpenError);
    expectHeldFor30s((held as Error).cause as CircuitOpenError);
    expect(upstream.hits('/ok')).toBe(0);
    expect(circuit().stats()).toMatchObject({
      state: CircuitState.Open,
      failures: 0,
      rejections: 1,
    });
    expect(circuit().history().at(-1)).toMatchObject({ to: 'open', reason: 'retry_after' });
  });

  it('holds the origin on 503 + Retry-After', async () => {
    expect(await attempt(`${upstream.origin}/unavailable/30`, { dispatcher })).toBe(503);
    const held = await attempt(`${upstream.origin}/ok`, { dispatcher });
    const refusal = (held as Error).cause as CircuitOpenError;
    expect(refusal).toBeInstanceOf(CircuitOpenError);
    expectHeldFor30s(refusal);
    expect(upstream.hits('/ok')).toBe(0);
    expect(circuit().stats()).toMatchObject({
      state: CircuitState.Open,
      failures: 0,
      rejections: 1,
    });
    expect(circuit().history().at(-1)).toMatchObject({ to: 'open', reason: 'retry_after' });
  });

  it('once a Retry-After wait is over, probes the origin and closes', async () => {
    expect(await attempt(`${upstream.origin}/unavailable/1`, { dispatcher })).toBe(503);
    expect(circuit().history().at(-1)).toMatchObject({ to: 'open', reason: 'retry_after' });
    await waitFor(() => circuit().state === CircuitState.HalfOpen);
    expect(await attempt(`${upstream.origin}/ok`, { dispatcher })).toBe(200);
    expect(circuit().state).toBe(CircuitState.Closed);
  });

  it('aborts the real request on timeout, and counts refused connections', async () => {
    const timedOut = await attempt(`${slow.origin}/hang`, { dispatcher });
    expect((timedOut as Error).cause).toBeInstanceOf(CallTimeoutError);
    expect(slowCircuit().stats().timeouts).toBe(1);
    await waitFor(() => slow.abandoned === 1);

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

  it('holds the origin on 429 + Retry-After through request() too', async () => {
    const busy = await request(`${upstream.origin}/busy/30`, { dispatcher });
    await busy.body.dump();
    expect(busy.statusCode).toBe(429);
    const held = await request(`${upstream.origin}/ok`, { dispatcher }).catch((e: unknown) => e);
    expect(held).toBeInstanceOf(CircuitOpenError);
    expectHeldFor30s(held as CircuitOpenError);
    expect(upstream.hits('/ok')).toBe(0);
    expect(circuit().stats().failures).toBe(0);
  });

  it('observes a handler of undici 7’s form as such: counted, refused, timed out', async () => {
    const path = (to: string, origin = upstream.origin) => ({ origin, path: to, method: 'GET' });
    for (const status of [500, 503]) {
      const { heard, settled, handler } = newFormHandler();
      dispatcher.dispatch(path(`/status/${status}`), handler);
      await settled;
      expect(heard).toMatchObject({ status, ended: true });
    }
    expect(agent.forms).toEqual(['new', 'new']);
    // The circuit judges the response's start a turn after the handler hears it.
    await waitFor(() => circuit().state === CircuitState.Open);
    const refused = newFormHandler();
    dispatcher.dispatch(path('/ok'), refused.handler);
    await refused.settled;
    expect(refused.heard.error).toBeInstanceOf(CircuitOpenError);
    expect(agent.forms).toHaveLength(2); // never reached the Agent

    const hung = newFormHandler();
    dispatcher.dispatch(path('/hang', slow.origin), hung.handler);
    await hung.settled;
    expect(hung.heard.error).toBeInstanceOf(CallTimeoutError);
    expect(slowCircuit().stats().timeouts).toBe(1);
    await waitFor(() => slow.abandoned === 1);
  });

  it('recovers: after the open period a probe passes and closes the circuit', async () => {
    const quick = protect(registry, agent, {
      defaults: { failureThreshold: 1, resetTimeoutMs: 100 },
    });
    registry.remove(`outbound:${upstream.origin}`);
    expect(await attempt(`${upstream.origin}/fail`, { dispatcher: quick })).toBe(500);
    // Its history, not its state: a stall longer than the 100 ms open period would read half-open.
    expect(circuit().history().at(-1)).toMatchObject({ from: 'closed', to: 'open' });
    upstream.recovered = true;
    await waitFor(() => circuit().state === CircuitState.HalfOpen);
    expect(await attempt(`${upstream.origin}/fail`, { dispatcher: quick })).toBe(200);
    expect(circuit().state).toBe(CircuitState.Closed);
  });
});
