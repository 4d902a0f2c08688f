import {
  BadRequestException,
  Controller,
  Get,
  Module,
  Param,
  UseInterceptors,
  type Type,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Observable, of } from 'rxjs';
import {
  CircuitBreaker,
  CircuitBreakerInterceptor,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitState,
} from '../../lib/index.js';
import { startApp, type Adapter, type RunningApp } from './support/start-app.js';

/** What the routes' dependency does now, and how often it was called. */
const dependency = { failing: false, calls: 0 };
function call(answer: string): string {
  dependency.calls++;
  if (dependency.failing) throw new Error('dependency down');
  return answer;
}

@Controller('orders')
@UseInterceptors(CircuitBreakerInterceptor)
class OrdersController {
  @Get(':id')
  order(@Param('id') id: string): string {
    if (id === 'bad') throw new BadRequestException('no such order'); // a 4xx: not counted
    return call(`order ${id}`);
  }

  @Get('stream/:id')
  stream(@Param('id') id: string): Observable<string> {
    return of(call(`streamed ${id}`));
  }

  @Get('decorated/:id')
  @CircuitBreaker({ name: 'decorated', failureThreshold: 1, fallback: 'cached' })
  decorated(@Param('id') id: string): string {
    return call(`decorated ${id}`);
  }

  cached(_error: unknown, id: string): string {
    return `cached ${id}`;
  }
}

@Controller('stock')
class StockController {
  @Get()
  @UseInterceptors(CircuitBreakerInterceptor)
  guarded(): string {
    return call('stock');
  }

  @Get('plain')
  plain(): string {
    return call('plain');
  }
}

@Controller('everything')
class EverythingController {
  @Get()
  route(): string {
    return call('everything');
  }
}

function appWith(extra: { controllers: Type[]; providers?: object[] }): Type {
  @Module({
    imports: [
      CircuitBreakerModule.forRoot({
        defaults: { failureThreshold: 2, resetTimeoutMs: 60_000 },
        circuits: { 'StockController.guarded': { failureThreshold: 1 } },
      }),
    ],
    controllers: extra.controllers,
    providers: extra.providers as never[],
  })
  class AppModule {}
  return AppModule;
}

describe.each<Adapter>(['express', 'fastify'])('CircuitBreakerInterceptor (%s)', (adapter) => {
  let running: RunningApp;
  let registry: CircuitBreakerRegistry;
  afterEach(() => running.close());

  const get = (path: string) => fetch(`${running.url}${path}`);
  const start = async (module: Type) => {
    dependency.failing = false;
    dependency.calls = 0;
    running = await startApp(module, adapter);
    registry = running.get(CircuitBreakerRegistry);
  };

  describe('on a controller', () => {
    beforeEach(() => start(appWith({ controllers: [OrdersController, StockController] })));

    it('gives each route a circuit named Controller.handler, with the module’s defaults', async () => {
      expect(await (await get('/orders/1')).text()).toBe('order 1');
      expect(await (await get('/orders/stream/2')).text()).toBe('streamed 2');
      const order = registry.get('OrdersController.order')!;
      expect(order.options.failureThreshold).toBe(2);
      expect(order.stats()).toMatchObject({ successes: 1, totalCalls: 1 });
      expect(registry.get('OrdersController.stream')!.stats()).toMatchObject({ successes: 1 });
      expect(registry.has('StockController.plain')).toBe(false); // not intercepted
    });

    it('opens on failures and answers 503 with Retry-After without calling the handler', async () => {
      dependency.failing = true;
      for (let i = 0; i < 2; i++) expect((await get('/orders/1')).status).toBe(500);
      expect(registry.get('OrdersController.order')!.state).toBe(CircuitState.Open);
      const calls = dependency.calls;
      const refused = await get('/orders/1');
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ circuit: 'OrdersController.order' });
      expect(dependency.calls).toBe(calls);
    });

    it('does not count a 4xx, and passes it through as it was', async () => {
      for (let i = 0; i < 3; i++) expect((await get('/orders/bad')).status).toBe(400);
      expect(registry.get('OrdersController.order')!.stats()).toMatchObject({
        ignored: 3,
        failures: 0,
        state: 'closed',
      });
    });

    it('leaves a route with @CircuitBreaker() to the decorator: one circuit, one count, its fallback', async () => {
      expect(await (await get('/orders/decorated/1')).text()).toBe('decorated 1');
      expect(registry.has('OrdersController.decorated')).toBe(false);
      expect(registry.get('decorated')!.stats()).toMatchObject({ successes: 1, totalCalls: 1 });
      dependency.failing = true;
      expect(await (await get('/orders/decorated/2')).text()).toBe('cached 2');
      expect(await (await get('/orders/decorated/3')).text()).toBe('cached 3'); // refused, cached
      expect(registry.get('decorated')!.stats()).toMatchObject({ failures: 1, rejections: 1 });
    });
  });

  it('on one route, with that route’s circuits[name] options', async () => {
    await start(appWith({ controllers: [StockController] }));
    dependency.failing = true;
    expect((await get('/stock')).status).toBe(500);
    expect((await get('/stock')).status).toBe(503); // failureThreshold 1 from circuits[name]
    expect((await get('/stock/plain')).status).toBe(500); // not intercepted: never refused
    expect((await get('/stock/plain')).status).toBe(500);
  });

  it('on every route, through APP_INTERCEPTOR', async () => {
    await start(
      appWith({
        controllers: [EverythingController, OrdersController],
        providers: [{ provide: APP_INTERCEPTOR, useClass: CircuitBreakerInterceptor }],
      }),
    );
    expect(await (await get('/everything')).text()).toBe('everything');
    expect(registry.get('EverythingController.route')!.stats().successes).toBe(1);
    // The controller's own @UseInterceptors and the global one: counted once.
    await get('/orders/5');
    expect(registry.get('OrdersController.order')!.stats()).toMatchObject({ totalCalls: 1 });
  });
});
