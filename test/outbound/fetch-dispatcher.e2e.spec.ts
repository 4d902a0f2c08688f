import { Test } from '@nestjs/testing';
import {
  Agent,
  Dispatcher,
  fetch,
  getGlobalDispatcher,
  request,
  setGlobalDispatcher,
} from 'undici';
import {
  CallTimeoutError,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitState,
  circuitBreakerDispatcher,
} from '../../lib/index.js';
import { refusingOrigin, startUpstream, waitFor, type Upstream } from './support/upstream.js';

// circuitBreakerDispatcher(): an undici Dispatcher wrapping an Agent, with no compose(): the
// handler fetch and request() give (legacy) reaches the Agent in its own form, unconverted.
// `fetch: 'global'` installs the same wrapper (below, and with Node's own fetch in
// global-fetch.e2e.spec.ts).

/** An Agent that records the form of each handler it is given: legacy or undici 7's. */
class RecordingAgent extends Dispatcher {
  readonly forms: Array<'legacy' | 'new'> = [];
  readonly agent = new Agent();

  override dispatch(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    this.forms.push(typeof handler.onRequestStart === 'function' ? 'new' : 'legacy');
    return this.agent.dispatch(options, handler);
  }
  override close(): Promise<void> {
    return this.agent.close();
  }
  override destroy(): Promise<void> {
    return this.agent.destroy();
  }
}

/** What a fetch ended with: its status, or the error (fetch's TypeError, its cause inside). */
async function attempt(url: string, init: { dispatcher?: unknown; signal?: AbortSignal } = {}) {
  try {
    const response = await fetch(url, init as Parameters<typeof fetch>[1]);
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return error as Error & { cause?: unknown };
  }
}

/** A handler of undici 7's form, as an interceptor of one's own would pass on. */
function newFormHandler() {
  const heard = { status: 0, error: undefined as Error | undefined, ended: false };
  const done = new Promise<void>((resolve) => {
    Object.assign(heard, {
      handler: {
        onRequestStart() {},
        onResponseStart(_controller: unknown, status: number) {
          heard.status = status;
        },
        onResponseData() {},
        onResponseEnd() {
          heard.ended = true;
          resolve();
        },
        onResponseError(_controller: unknown, error: Error) {
          heard.error = error;
          resolve();
        },
      },
    });
  });
  return {
    heard,
    done,
    handler: (heard as unknown as { handler: Dispatcher.DispatchHandler }).handler,
  };
}

describe('outbound fetch: circuitBreakerDispatcher() over an Agent of one’s own', () => {
  let upstream: Upstream;
  let registry: CircuitBreakerRegistry;
  let inner: RecordingAgent;
  let dispatcher: RecordingAgent;
  const circuit = () => registry.get(`outbound:${upstream.origin}`)!;

  beforeEach(async () => {
    upstream = await startUpstream();
    registry = new CircuitBreakerRegistry({});
    inner = new RecordingAgent();
    dispatcher = circuitBreakerDispatcher(registry, inner, {
      defaults: { failureThreshold: 2, resetTimeoutMs: 60_000 },
      origins: { [upstream.origin]: { timeoutMs: 300 } },
    });
  });
  afterEach(async () => {
    registry.onApplicationShutdown();
    await dispatcher.close();
    await upstream.close();
  });

  it('is an undici Dispatcher that hands fetch’s legacy handler on as it is', async () => {
    expect(dispatcher).toBeInstanceOf(Dispatcher);
    expect(await attempt(`${upstream.origin}/ok`, { dispatcher })).toBe(200);
    expect(inner.forms).toEqual(['legacy']);
    expect(circuit().stats().successes).toBe(1);
  });

  it('counts 5xx and refuses an open origin without a socket (fetch, request)', async () => {
    expect(await attempt(`${upstream.origin}/status/500`, { dispatcher })).toBe(500);
    const answered = await request(`${upstream.origin}/status/502`, { dispatcher });
    await answered.body.dump();
    expect(answered.statusCode).toBe(502);
    expect(circuit().state).toBe(CircuitState.Open);
    const connections = upstream.connections;
    const refused = await attempt(`${upstream.origin}/ok`, { dispatcher });
    expect((refused as Error).name).toBe('TypeError'); // fetch's own form of a failed request…
    expect((refused as Error).cause).toBeInstanceOf(CircuitOpenError); // …with the refusal inside
    await expect(request(`${upstream.origin}/ok`, { dispatcher })).rejects.toBeInstanceOf(
      CircuitOpenError,
    );
    expect(upstream.hits('/ok')).toBe(0);
    expect(upstream.connections).toBe(connections);
    expect(inner.forms).toEqual(['legacy', 'legacy']);
  });

  it('does not count 4xx; holds the origin on 429 + Retry-After read from the raw headers', async () => {
    expect(await attempt(`${upstream.origin}/status/404`, { dispatcher })).toBe(404);
    expect(circuit().stats()).toMatchObject({ state: CircuitState.Closed, failures: 0 });
    const busy = await request(`${upstream.origin}/busy/1`, { dispatcher });
    await busy.body.dump();
    expect(busy.statusCode).toBe(429);
    const held = await attempt(`${upstream.origin}/ok`, { dispatcher });
    expect((held as Error).cause).toBeInstanceOf(CircuitOpenError);
    expect(((held as Error).cause as CircuitOpenError).retryAfterMs).toBeGreaterThan(0);
    expect(((held as Error).cause as CircuitOpenError).retryAfterMs).toBeLessThanOrEqual(1_000);
    expect(upstream.hits('/ok')).toBe(0);
    expect(circuit().stats().failures).toBe(0);
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
    await waitFor(() => upstream.abandoned === 1); // the request itself was aborted
  });

  it('observes a handler of undici 7’s form as such: counted, refused, timed out', async () => {
    const path = (to: string) => ({ origin: upstream.origin, path: to, method: 'GET' });
    for (const status of [500, 503]) {
      const { heard, done, handler } = newFormHandler();
      dispatcher.dispatch(path(`/status/${status}`), handler);
      await done;
      expect(heard).toMatchObject({ status, ended: true });
    }
    expect(inner.forms).toEqual(['new', 'new']);
    // The circuit judges the response's start a turn after the handler hears it.
    await waitFor(() => circuit().state === CircuitState.Open);
    const refused = newFormHandler();
    dispatcher.dispatch(path('/ok'), refused.handler);
    await refused.done;
    expect(refused.heard.error).toBeInstanceOf(CircuitOpenError);
    expect(inner.forms).toHaveLength(2); // never reached the Agent

    registry.get(`outbound:${upstream.origin}`)!.reset();
    const hung = newFormHandler();
    dispatcher.dispatch(path('/hang'), hung.handler);
    await hung.done;
    expect(hung.heard.error).toBeInstanceOf(CallTimeoutError);
    await waitFor(() => upstream.abandoned === 1);
  });

  it('refuses what is not an undici dispatcher', () => {
    const notOne = { dispatch: () => true, close() {}, destroy() {} };
    expect(() => circuitBreakerDispatcher(registry, notOne)).toThrow(TypeError);
  });
});

describe("outbound { fetch: 'global' }: the wrapper on undici’s global dispatcher", () => {
  let upstream: Upstream;
  let previous: ReturnType<typeof getGlobalDispatcher>;

  beforeEach(async () => {
    upstream = await startUpstream();
    previous = getGlobalDispatcher();
  });
  afterEach(async () => {
    setGlobalDispatcher(previous);
    await upstream.close();
  });

  it('wraps the dispatcher installed, hands it fetch’s handler unconverted, and puts it back', async () => {
    const proxyLike = new RecordingAgent(); // the app's own (a proxy agent, say)
    setGlobalDispatcher(proxyLike);
    const moduleRef = await Test.createTestingModule({
      imports: [
        CircuitBreakerModule.forRoot({
          outbound: { fetch: 'global', defaults: { failureThreshold: 1, resetTimeoutMs: 60_000 } },
        }),
      ],
    }).compile();
    const app = await moduleRef.init();
    const installed = getGlobalDispatcher();
    expect(installed).not.toBe(proxyLike);
    expect(installed).toBeInstanceOf(Dispatcher);

    expect(await attempt(`${upstream.origin}/status/500`)).toBe(500);
    expect(proxyLike.forms).toEqual(['legacy']);
    const registry = app.get(CircuitBreakerRegistry);
    expect(registry.get(`outbound:${upstream.origin}`)!.state).toBe(CircuitState.Open);
    expect(((await attempt(`${upstream.origin}/ok`)) as Error).cause).toBeInstanceOf(
      CircuitOpenError,
    );
    expect(upstream.hits('/ok')).toBe(0);

    await app.close();
    expect(getGlobalDispatcher()).toBe(proxyLike);
    expect(await attempt(`${upstream.origin}/ok`)).toBe(200); // not closed: the app's own
    await proxyLike.close();
  });
});
