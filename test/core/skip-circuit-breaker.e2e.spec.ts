import { Controller, Get, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import {
  CircuitBreaker,
  CircuitBreakerInterceptor,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  SkipCircuitBreaker,
} from '../../lib/index.js';
import { startApp, type Adapter, type RunningApp } from './support/start-app.js';

// @SkipCircuitBreaker() keeps the interceptor off a route or a whole controller, as
// @SkipThrottle() does for the throttler: no circuit, never refused. @SkipCircuitBreaker(false)
// on a route puts it back under a skipped controller.

let failing = false;
function dependency(answer: string): string {
  if (failing) throw new Error('dependency down');
  return answer;
}

@Controller('shop')
class ShopController {
  @Get()
  browse(): string {
    return dependency('browse');
  }

  @Get('health')
  @SkipCircuitBreaker()
  health(): string {
    return dependency('health');
  }
}

@Controller('internal')
@SkipCircuitBreaker()
class InternalController {
  @Get()
  status(): string {
    return dependency('status');
  }

  @Get('upstream')
  @SkipCircuitBreaker(false)
  upstream(): string {
    return dependency('upstream');
  }

  @Get('decorated')
  @CircuitBreaker({ name: 'decorated', failureThreshold: 1 })
  decorated(): string {
    return dependency('decorated');
  }
}

@Module({
  imports: [CircuitBreakerModule.forRoot({ defaults: { failureThreshold: 1 } })],
  controllers: [ShopController, InternalController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: CircuitBreakerInterceptor }],
})
class AppModule {}

describe.each<Adapter>(['express', 'fastify'])('@SkipCircuitBreaker() (%s)', (adapter) => {
  let running: RunningApp;
  let registry: CircuitBreakerRegistry;
  beforeEach(async () => {
    failing = false;
    running = await startApp(AppModule, adapter);
    registry = running.get(CircuitBreakerRegistry);
  });
  afterEach(() => running.close());

  const statusOf = async (path: string) => (await fetch(`${running.url}${path}`)).status;

  it('leaves a skipped route and every route of a skipped controller unprotected', async () => {
    expect(await statusOf('/shop/health')).toBe(200);
    expect(await statusOf('/internal')).toBe(200);
    failing = true;
    for (let i = 0; i < 3; i++) {
      expect(await statusOf('/shop/health')).toBe(500); // failing, never refused
      expect(await statusOf('/internal')).toBe(500);
    }
    expect(registry.has('ShopController.health')).toBe(false);
    expect(registry.has('InternalController.status')).toBe(false);
  });

  it('still protects the other routes', async () => {
    failing = true;
    expect(await statusOf('/shop')).toBe(500);
    expect(await statusOf('/shop')).toBe(503); // failureThreshold 1: open
    expect(registry.has('ShopController.browse')).toBe(true);
  });

  it('protects a route marked @SkipCircuitBreaker(false) under a skipped controller', async () => {
    failing = true;
    expect(await statusOf('/internal/upstream')).toBe(500);
    expect(await statusOf('/internal/upstream')).toBe(503);
    expect(registry.has('InternalController.upstream')).toBe(true);
  });

  it('leaves @CircuitBreaker() on a route of a skipped controller in force', async () => {
    failing = true;
    expect(await statusOf('/internal/decorated')).toBe(500);
    expect(await statusOf('/internal/decorated')).toBe(503);
  });
});

// The library's own routes (admin API, dashboard, metrics) are the operators' way in while a
// dependency is down: the interceptor never puts them behind a circuit of their own.
@Module({
  imports: [
    CircuitBreakerModule.forRoot({
      admin: { public: true },
      metrics: { path: '/metrics' },
    }),
  ],
  providers: [{ provide: APP_INTERCEPTOR, useClass: CircuitBreakerInterceptor }],
})
class OperatorsModule {}

describe.each<Adapter>(['express', 'fastify'])(
  'the library’s own routes under APP_INTERCEPTOR (%s)',
  (adapter) => {
    let running: RunningApp;
    beforeEach(async () => (running = await startApp(OperatorsModule, adapter)));
    afterEach(() => running.close());

    it('get no circuit: the admin API, the dashboard and the metrics route', async () => {
      for (const path of ['/circuit-breakers', '/circuit-breakers/dashboard', '/metrics']) {
        expect((await fetch(`${running.url}${path}`)).status).toBe(200);
      }
      expect(running.get(CircuitBreakerRegistry).names()).toEqual([]);
    });
  },
);
