import { jest } from '@jest/globals';
import { Controller, Get, Inject, Injectable, Module, Scope } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitState,
} from '../../lib/index.js';
import { startApp, type Adapter, type RunningApp } from './support/start-app.js';

/** Whether the dependency behind every client below is down. */
const upstream = { failing: false, runs: 0 };
function callUpstream(who: string): string {
  upstream.runs++;
  if (upstream.failing) throw new Error('upstream down');
  return `ok for ${who}`;
}

type Request = { headers: Record<string, string | undefined> };

@Injectable({ scope: Scope.REQUEST })
class PerRequestClient {
  readonly requestId: string;
  constructor(@Inject(REQUEST) request: Request) {
    this.requestId = request.headers['x-request-id'] ?? 'none';
  }

  @CircuitBreaker({ name: 'per-request', failureThreshold: 2, fallback: 'fallback' })
  async call(): Promise<string> {
    return callUpstream(this.requestId);
  }

  fallback(error: unknown): string {
    return `fallback for ${this.requestId} (${(error as Error).constructor.name})`;
  }
}

/** Declared a singleton, made per request because it depends on a request-scoped provider. */
@Injectable()
class DependsOnRequest {
  constructor(private readonly client: PerRequestClient) {}

  @CircuitBreaker({ name: 'implicitly-per-request', failureThreshold: 1 })
  async call(): Promise<string> {
    return callUpstream(`implicit ${this.client.requestId}`);
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class TransientClient {
  private static made = 0;
  readonly id = ++TransientClient.made;

  @CircuitBreaker({ name: 'transient', failureThreshold: 2, fallback: 'fallback' })
  async call(): Promise<string> {
    return callUpstream(`transient ${this.id}`);
  }

  fallback(): string {
    return `fallback for transient ${this.id}`;
  }
}

@Injectable()
class FirstUser {
  constructor(readonly client: TransientClient) {}
}
@Injectable()
class SecondUser {
  constructor(readonly client: TransientClient) {}
}

@Controller()
class RequestScopedController {
  constructor(
    private readonly perRequest: PerRequestClient,
    private readonly implicit: DependsOnRequest,
    private readonly first: FirstUser,
    private readonly second: SecondUser,
  ) {}

  @Get('per-request')
  perRequestCall() {
    return this.perRequest.call();
  }

  @Get('implicit')
  implicitCall() {
    return this.implicit.call();
  }

  @Get('transient/first')
  firstCall() {
    return this.first.client.call();
  }

  @Get('transient/second')
  secondCall() {
    return this.second.client.call();
  }
}

@Controller({ path: 'scoped-controller', scope: Scope.REQUEST })
class PerRequestController {
  constructor(@Inject(REQUEST) private readonly request: Request) {}

  @Get()
  @CircuitBreaker({ name: 'scoped-handler', failureThreshold: 1, fallback: 'fallback' })
  async get(): Promise<string> {
    return callUpstream(`handler ${this.request.headers['x-request-id']}`);
  }

  fallback(error: unknown): string {
    return `handler fallback for ${this.request.headers['x-request-id']} (${(error as Error).constructor.name})`;
  }
}

@Module({
  imports: [CircuitBreakerModule.forRoot()],
  controllers: [RequestScopedController, PerRequestController],
  providers: [PerRequestClient, DependsOnRequest, TransientClient, FirstUser, SecondUser],
})
class AppModule {}

describe.each<Adapter>(['express', 'fastify'])(
  '@CircuitBreaker() on request-scoped and transient classes (%s)',
  (adapter) => {
    let running: RunningApp;
    let registry: CircuitBreakerRegistry;
    beforeEach(async () => {
      upstream.failing = false;
      upstream.runs = 0;
      running = await startApp(AppModule, adapter);
      registry = running.get(CircuitBreakerRegistry);
    });
    afterEach(() => running.close());

    let requests = 0;
    const get = async (path: string) => {
      const response = await fetch(`${running.url}${path}`, {
        headers: { 'x-request-id': `r${++requests}` },
      });
      return { status: response.status, text: await response.text(), id: `r${requests}` };
    };

    it('protects a request-scoped provider: one circuit for every request’s instance, its fallback with that instance', async () => {
      const ok = await get('/per-request');
      expect(ok.text).toBe(`ok for ${ok.id}`);
      upstream.failing = true;
      const failed = await get('/per-request');
      expect(failed.text).toBe(`fallback for ${failed.id} (Error)`);
      await get('/per-request'); // a second failure, from a third instance: the circuit opens
      expect(registry.get('per-request')!.state).toBe(CircuitState.Open);
      const runs = upstream.runs;
      const refused = await get('/per-request');
      expect(refused.text).toBe(`fallback for ${refused.id} (CircuitOpenError)`);
      expect(upstream.runs).toBe(runs);
    });

    it('protects a provider that is request-scoped through its dependencies', async () => {
      const ok = await get('/implicit');
      expect(ok.text).toBe(`ok for implicit ${ok.id}`);
      upstream.failing = true;
      expect((await get('/implicit')).status).toBe(500);
      const refused = await get('/implicit');
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.text)).toMatchObject({ circuit: 'implicitly-per-request' });
    });

    it('protects a transient provider: each injected instance, one shared circuit', async () => {
      const first = running.get(FirstUser).client;
      const second = running.get(SecondUser).client;
      expect(first).not.toBe(second);
      expect((await get('/transient/first')).text).toBe(`ok for transient ${first.id}`);
      upstream.failing = true;
      expect((await get('/transient/first')).text).toBe(`fallback for transient ${first.id}`);
      expect((await get('/transient/second')).text).toBe(`fallback for transient ${second.id}`);
      expect(registry.get('transient')!.stats()).toMatchObject({ state: 'open', failures: 2 });
    });

    it('protects a request-scoped controller’s handler, fallback included', async () => {
      const ok = await get('/scoped-controller');
      expect(ok.text).toBe(`ok for handler ${ok.id}`);
      upstream.failing = true;
      const failed = await get('/scoped-controller');
      expect(failed.text).toBe(`handler fallback for ${failed.id} (Error)`);
      const runs = upstream.runs;
      const refused = await get('/scoped-controller');
      expect(refused.text).toBe(`handler fallback for ${refused.id} (CircuitOpenError)`);
      expect(upstream.runs).toBe(runs);
    });

    it('resolves their circuits once, at start-up, not per request or per instance', async () => {
      const lookups = (['get', 'getOrCreate', 'has'] as const).map((member) =>
        jest.spyOn(registry, member),
      );
      for (const path of ['/per-request', '/implicit', '/transient/first', '/scoped-controller']) {
        for (let i = 0; i < 3; i++) expect((await get(path)).status).toBe(200);
      }
      for (const lookup of lookups) expect(lookup).not.toHaveBeenCalled();
      for (const lookup of lookups) lookup.mockRestore();
      expect(
        ['per-request', 'implicitly-per-request', 'transient', 'scoped-handler'].map(
          (name) => registry.get(name)!.stats().successes,
        ),
      ).toEqual([3, 3, 3, 3]);
    });
  },
);
