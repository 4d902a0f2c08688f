import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Registry } from 'prom-client';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  type CircuitBreakerModuleOptions,
} from '../../lib/index.js';
import {
  moduleOf,
  startApp,
  startupError,
  type Adapter,
  type RunningApp,
} from '../core/support/start-app.js';

// `metrics: { path: '/metrics' }` serves the registry where Prometheus looks: off unless given,
// guardable, on Express and Fastify.

@Injectable()
class Inventory {
  @CircuitBreaker('inventory')
  async stock(): Promise<number> {
    return 7;
  }
}

/** The kind of guard a scrape sits behind: a bearer token Prometheus's config carries. */
class ScrapeTokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    return request.headers.authorization === 'Bearer scrape-me';
  }
}

const appWith = (options: CircuitBreakerModuleOptions) =>
  moduleOf({ imports: [CircuitBreakerModule.forRoot(options)], providers: [Inventory] });

describe.each<Adapter>(['express', 'fastify'])('the metrics route (%s)', (adapter) => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('serves the registry’s Prometheus text at metrics.path, the circuits’ series in it', async () => {
    const registry = new Registry();
    running = await startApp(appWith({ metrics: { registry, path: '/metrics' } }), adapter);
    await running.get(Inventory).stock();
    const response = await fetch(`${running.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(registry.contentType);
    const text = await response.text();
    expect(text).toContain('circuit_breaker_calls_total{circuit="inventory",outcome="success"} 1');
    expect(text).toBe(await registry.metrics());
  });

  it('serves nothing without metrics.path', async () => {
    running = await startApp(appWith({ metrics: { registry: new Registry() } }), adapter);
    expect((await fetch(`${running.url}/metrics`)).status).toBe(404);
  });

  it('runs metrics.guards: 403 without the token, 200 with it', async () => {
    const options = {
      registry: new Registry(),
      path: 'internal/metrics',
      guards: [ScrapeTokenGuard],
    };
    running = await startApp(appWith({ metrics: options }), adapter);
    const url = `${running.url}/internal/metrics`;
    expect((await fetch(url)).status).toBe(403);
    const allowed = await fetch(url, { headers: { authorization: 'Bearer scrape-me' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('circuit_breaker_state');
  });
});

describe('metrics.path with forRootAsync()', () => {
  it('stops start-up, saying where the route can be given', async () => {
    const module = moduleOf({
      imports: [
        CircuitBreakerModule.forRootAsync({
          useFactory: () => ({ metrics: { registry: new Registry(), path: '/metrics' } }),
        }),
      ],
    });
    expect(String(await startupError(module))).toContain(
      "metrics.path ('/metrics') mounts a route, which must be known when the module is imported: give it to forRoot()",
    );
  });

  it('refuses a guard that is not one, when forRoot() is called', () => {
    expect(() =>
      CircuitBreakerModule.forRoot({ metrics: { path: '/metrics', guards: ['admin' as never] } }),
    ).toThrow("metrics.guards must be an array of guard classes or instances, got [ 'admin' ]");
  });
});
