import {
  Body,
  Controller,
  Get,
  Injectable,
  Module,
  NotFoundException,
  Param,
  Post,
  Scope,
  UseGuards,
  type CanActivate,
} from '@nestjs/common';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitState,
} from '../../lib/index.js';
import { startApp, type Adapter, type RunningApp } from './support/start-app.js';

@Injectable()
class Dependency {
  calls = 0;
  failing = false;
  missing = false;
  async call(): Promise<string> {
    this.calls++;
    if (this.missing) throw new NotFoundException('no such sku');
    if (this.failing) throw new Error('dependency down');
    return 'ok';
  }
}

class Deny implements CanActivate {
  static allow = true;
  canActivate(): boolean {
    return Deny.allow;
  }
}

@Controller('orders')
class OrdersController {
  constructor(private readonly dependency: Dependency) {}

  @Get(':sku')
  @CircuitBreaker({ name: 'orders', failureThreshold: 2, resetTimeoutMs: 2_500 })
  async order(@Param('sku') sku: string): Promise<{ sku: string; answer: string }> {
    return { sku, answer: await this.dependency.call() };
  }

  // Decorators in the other order, a guard among them: their metadata still applies.
  @CircuitBreaker({ name: 'quotes', failureThreshold: 1, fallback: 'cachedQuote' })
  @UseGuards(Deny)
  @Post('quote')
  async quote(@Body() body: { sku: string }): Promise<{ sku: string; price: number }> {
    await this.dependency.call();
    return { sku: body.sku, price: 10 };
  }

  cachedQuote(error: unknown, body: { sku: string }) {
    return { sku: body.sku, price: 9, cached: error instanceof Error };
  }
}

@Controller({ path: 'per-request', scope: Scope.REQUEST })
class PerRequestController {
  constructor(private readonly dependency: Dependency) {}

  @Get()
  @CircuitBreaker({ name: 'per-request', failureThreshold: 1, fallback: 'fallback' })
  async get(): Promise<string> {
    return this.dependency.call();
  }

  fallback(): string {
    return 'fallback';
  }
}

@Module({
  imports: [CircuitBreakerModule.forRoot()],
  controllers: [OrdersController, PerRequestController],
  providers: [Dependency],
})
class AppModule {}

describe.each<Adapter>(['express', 'fastify'])(
  '@CircuitBreaker() on route handlers (%s)',
  (adapter) => {
    let running: RunningApp;
    let dependency: Dependency;
    beforeEach(async () => {
      running = await startApp(AppModule, adapter);
      dependency = running.get(Dependency);
      Deny.allow = true;
    });
    afterEach(() => running.close());

    const get = (path: string) => fetch(`${running.url}${path}`);
    const post = (path: string, body: object) =>
      fetch(`${running.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('answers 503 with Retry-After (whole seconds, rounded up) and the circuit in the body once open', async () => {
      expect(await (await get('/orders/a')).json()).toEqual({ sku: 'a', answer: 'ok' });
      dependency.failing = true;
      expect((await get('/orders/a')).status).toBe(500); // other errors pass through unchanged
      expect((await get('/orders/a')).status).toBe(500);
      const refused = await get('/orders/a');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('3'); // 2.5 s, rounded up
      const body = (await refused.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ statusCode: 503, circuit: 'orders' });
      expect(body.retryAfterMs).toBeGreaterThan(2_000);
      expect(body.retryAfterMs).toBeLessThanOrEqual(2_500);
      expect(dependency.calls).toBe(3); // the handler did not run
    });

    it('lets a 4xx through as it was, without counting it against the circuit', async () => {
      dependency.missing = true;
      for (let i = 0; i < 4; i++) {
        const response = await get('/orders/a');
        expect(response.status).toBe(404);
        expect(await response.json()).toMatchObject({ message: 'no such sku' });
      }
      const stats = running.get(CircuitBreakerRegistry).get('orders')!.stats();
      expect(stats).toMatchObject({ state: 'closed', ignored: 4, failures: 0 });
    });

    it('gives a route fallback the handler’s own arguments, and keeps the route’s guard', async () => {
      dependency.failing = true;
      expect(await (await post('/orders/quote', { sku: 'b' })).json()).toEqual({
        sku: 'b',
        price: 9,
        cached: true,
      });
      expect(running.get(CircuitBreakerRegistry).get('quotes')!.state).toBe(CircuitState.Open);
      expect(await (await post('/orders/quote', { sku: 'c' })).json()).toMatchObject({ sku: 'c' });
      Deny.allow = false;
      expect((await post('/orders/quote', { sku: 'd' })).status).toBe(403);
    });

    it('protects a request-scoped controller’s handler, fallback included', async () => {
      expect(await (await get('/per-request')).text()).toBe('ok');
      dependency.failing = true;
      expect(await (await get('/per-request')).text()).toBe('fallback'); // failed, fell back
      const callsWhenOpened = dependency.calls;
      expect(await (await get('/per-request')).text()).toBe('fallback'); // refused, fell back
      expect(dependency.calls).toBe(callsWhenOpened);
      expect(running.get(CircuitBreakerRegistry).get('per-request')!.state).toBe(CircuitState.Open);
    });
  },
);
