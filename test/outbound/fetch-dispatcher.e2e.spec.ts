import { Test } from '@nestjs/testing';
import { Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import {
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitState,
  circuitBreakerDispatcher,
} from '../../lib/index.js';
import { attempt, RecordingAgent } from './support/dispatch.js';
import { startUpstream, type Upstream } from './support/upstream.js';

// circuitBreakerDispatcher() as a dispatcher, and as what `fetch: 'global'` installs. What it
// guarantees per request (and the interceptor alike): fetch.e2e.spec.ts; with Node's own fetch
// in a process: global-fetch.e2e.spec.ts.

describe('circuitBreakerDispatcher()', () => {
  let registry: CircuitBreakerRegistry;
  beforeEach(() => (registry = new CircuitBreakerRegistry({})));
  afterEach(() => registry.onApplicationShutdown());

  it('is an undici Dispatcher whose close() closes the dispatcher it wraps', async () => {
    const inner = new RecordingAgent();
    const dispatcher = circuitBreakerDispatcher(registry, inner);
    expect(dispatcher).toBeInstanceOf(Dispatcher);
    expect(typeof dispatcher.compose).toBe('function');
    await dispatcher.close();
    expect(inner.agent.closed).toBe(true);
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

  const startApp = async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CircuitBreakerModule.forRoot({
          outbound: { fetch: 'global', defaults: { failureThreshold: 1, resetTimeoutMs: 60_000 } },
        }),
      ],
    }).compile();
    return moduleRef.init();
  };

  it('wraps the dispatcher installed, hands it fetch’s handler unconverted, and puts it back', async () => {
    const proxyLike = new RecordingAgent(); // the app's own (a proxy agent, say)
    setGlobalDispatcher(proxyLike);
    const app = await startApp();
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

  it('over a dispatcher of another undici (Node’s own), wraps an Agent of its own, closed at shutdown', async () => {
    let foreignCalls = 0;
    const foreign = {
      dispatch: () => (foreignCalls++, true),
      close: () => Promise.resolve(),
      destroy: () => Promise.resolve(),
    };
    setGlobalDispatcher(foreign as unknown as Dispatcher);
    const app = await startApp();
    const installed = getGlobalDispatcher();
    expect(await attempt(`${upstream.origin}/ok`)).toBe(200);
    expect(foreignCalls).toBe(0);

    await app.close();
    expect(getGlobalDispatcher()).toBe(foreign);
    const afterClose = await attempt(`${upstream.origin}/ok`, { dispatcher: installed });
    expect(((afterClose as Error).cause as Error).name).toMatch(/^Client(Closed|Destroyed)Error$/);
  });
});
