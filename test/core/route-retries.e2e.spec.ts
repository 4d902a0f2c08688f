import { Controller, Get, Injectable, Module, Patch, Post, UseInterceptors } from '@nestjs/common';
import {
  CircuitBreaker,
  CircuitBreakerInterceptor,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOptionsError,
  IdempotentRoute,
} from '../../lib/index.js';
import {
  moduleOf,
  startApp,
  startupError,
  type Adapter,
  type RunningApp,
} from './support/start-app.js';

// A route's handler runs once per request: with `defaults.retry` set, route-level protection
// (the interceptor, and @CircuitBreaker() on a route handler) retries only GET, HEAD, OPTIONS,
// PUT and DELETE routes; any other method retries only when the route says @IdempotentRoute().

/** How often each handler ran; every run hangs until the test ends, so that it times out. */
const runs = new Map<string, number>();
let hanging: (() => void)[] = [];
function hang(route: string): Promise<string> {
  runs.set(route, (runs.get(route) ?? 0) + 1);
  return new Promise((resolve) => hanging.push(() => resolve(route)));
}

@Controller('intercepted')
@UseInterceptors(CircuitBreakerInterceptor)
class InterceptedController {
  @Post()
  create(): Promise<string> {
    return hang('intercepted POST');
  }

  @Patch()
  update(): Promise<string> {
    return hang('intercepted PATCH');
  }

  @Get()
  list(): Promise<string> {
    return hang('intercepted GET');
  }

  @Post('idempotent')
  @IdempotentRoute()
  upsert(): Promise<string> {
    return hang('intercepted opted-in POST');
  }
}

@Controller('upserts')
@UseInterceptors(CircuitBreakerInterceptor)
@IdempotentRoute()
class UpsertsController {
  @Post()
  upsert(): Promise<string> {
    return hang('controller opted-in POST');
  }

  @Post('once')
  @IdempotentRoute(false)
  once(): Promise<string> {
    return hang('controller opted-in, route opted-out POST');
  }
}

@Controller('decorated')
class DecoratedController {
  @Post()
  @CircuitBreaker()
  create(): Promise<string> {
    return hang('decorated POST');
  }

  @Get()
  @CircuitBreaker()
  list(): Promise<string> {
    return hang('decorated GET');
  }

  @Post('idempotent')
  @CircuitBreaker()
  @IdempotentRoute()
  upsert(): Promise<string> {
    return hang('decorated opted-in POST');
  }
}

const retryEverything = CircuitBreakerModule.forRoot({
  defaults: { timeoutMs: 50, retry: { attempts: 2, delayMs: 1, jitter: 'none' } },
  // Built at start-up, before the interceptor sees the route: still without retry.
  circuits: { 'InterceptedController.update': { failureThreshold: 10 } },
});

@Module({
  imports: [retryEverything],
  controllers: [InterceptedController, UpsertsController, DecoratedController],
})
class AppModule {}

describe.each<Adapter>(['express', 'fastify'])('retries of route handlers (%s)', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(AppModule, adapter);
  });
  afterAll(() => running.close());
  beforeEach(() => runs.clear());
  afterEach(() => {
    for (const release of hanging) release();
    hanging = [];
  });

  /** The number of times the route's handler ran for one request that timed out. */
  async function runsFor(method: string, path: string, route: string): Promise<number> {
    const response = await fetch(`${running.url}${path}`, { method });
    expect(response.status).toBeGreaterThanOrEqual(500); // timed out, every attempt
    return runs.get(route) ?? 0;
  }

  it.each([
    ['POST', '/intercepted', 'intercepted POST'],
    ['PATCH', '/intercepted', 'intercepted PATCH'],
    ['POST', '/decorated', 'decorated POST'],
    ['POST', '/upserts/once', 'controller opted-in, route opted-out POST'],
  ])('runs a timed-out %s handler (%s) exactly once', async (method, path, route) => {
    expect(await runsFor(method, path, route)).toBe(1);
  });

  it.each([
    ['GET', '/intercepted', 'intercepted GET'],
    ['GET', '/decorated', 'decorated GET'],
    ['POST', '/intercepted/idempotent', 'intercepted opted-in POST'],
    ['POST', '/decorated/idempotent', 'decorated opted-in POST'],
    ['POST', '/upserts', 'controller opted-in POST'],
  ])('still retries a %s route that may run twice (%s)', async (method, path, route) => {
    expect(await runsFor(method, path, route)).toBe(2);
  });

  it('builds the circuits of routes that must not run twice without retry', () => {
    const registry = running.get(CircuitBreakerRegistry);
    expect(registry.get('DecoratedController.create')!.options.retry).toBeUndefined();
    expect(registry.get('DecoratedController.list')!.options.retry?.attempts).toBe(2);
    expect(registry.get('InterceptedController.update')!.options.retry).toBeUndefined();
  });
});

describe('a retry that a route handler could not honour', () => {
  it('fails start-up when @CircuitBreaker() asks a POST route to retry without @IdempotentRoute()', async () => {
    @Controller('payments')
    class PaymentsController {
      @Post()
      @CircuitBreaker({ retry: { attempts: 3 } })
      pay(): string {
        return 'paid';
      }
    }
    const error = await startupError(
      moduleOf({ imports: [CircuitBreakerModule.forRoot({})], controllers: [PaymentsController] }),
    );
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect(String(error)).toMatch(/PaymentsController\.pay.*POST.*@IdempotentRoute\(\)/);
  });

  it('fails start-up when a POST route shares a circuit that retries for others', async () => {
    @Injectable()
    class PaymentsClient {
      @CircuitBreaker({ name: 'payments', retry: { attempts: 3 } })
      charge(): string {
        return 'charged';
      }
    }
    @Controller('payments')
    class PaymentsController {
      @Post()
      @CircuitBreaker('payments')
      pay(): string {
        return 'paid';
      }
    }
    const error = await startupError(
      moduleOf({
        imports: [CircuitBreakerModule.forRoot({})],
        controllers: [PaymentsController],
        providers: [PaymentsClient],
      }),
    );
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect(String(error)).toMatch(/"payments".*PaymentsController\.pay.*POST/);
  });
});
