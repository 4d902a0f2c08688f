import { jest } from '@jest/globals';
import {
  BadGatewayException,
  Catch,
  ConflictException,
  Controller,
  Get,
  Header,
  HttpCode,
  Injectable,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  UseGuards,
  type ArgumentsHost,
  type CanActivate,
  type ExceptionFilter,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitState,
} from '../../lib/index.js';
import { freezeEngineClock } from './support/engine-clock.js';
import { moduleOf, startApp, type Adapter, type RunningApp } from './support/start-app.js';

type Failure = 'none' | 'error' | 'bad gateway' | 'not found' | 'conflict' | 'domain' | 'hang';

class DomainError extends Error {}

/** A user's own filter, for an error of their own: the circuit-breaker module leaves it be. */
@Catch(DomainError)
class DomainErrorFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}
  catch(error: DomainError, host: ArgumentsHost): void {
    const response: unknown = host.switchToHttp().getResponse();
    this.adapterHost.httpAdapter.reply(response, { domain: error.message }, 418);
  }
}

/** What a dependency does when called. */
const dependency = { failure: 'none' as Failure, calls: 0 };
async function callDependency(): Promise<string> {
  dependency.calls++;
  switch (dependency.failure) {
    case 'error':
      throw new Error('dependency down');
    case 'bad gateway':
      throw new BadGatewayException({ upstream: 'inventory', detail: 'answered 500' });
    case 'not found':
      throw new NotFoundException('no such sku');
    case 'conflict':
      throw new ConflictException({ reason: 'sku reserved', sku: 'a' });
    case 'domain':
      throw new DomainError('out of stock');
    case 'hang':
      return new Promise<string>(() => {});
    default:
      return 'ok';
  }
}

@Injectable()
class InventoryClient {
  @CircuitBreaker({ name: 'inventory', failureThreshold: 2, resetTimeoutMs: 2_100 })
  async stock(sku: string): Promise<{ sku: string; stock: string }> {
    return { sku, stock: await callDependency() };
  }
}

class Gate implements CanActivate {
  static open = true;
  canActivate(): boolean {
    return Gate.open;
  }
}

@Controller()
class ShopController {
  constructor(private readonly inventory: InventoryClient) {}

  /** A route with a circuit of its own. */
  @Get('orders/:sku')
  @CircuitBreaker({ name: 'orders', failureThreshold: 2, resetTimeoutMs: 2_500, timeoutMs: 300 })
  async order(@Param('sku') sku: string): Promise<{ sku: string; answer: string }> {
    return { sku, answer: await callDependency() };
  }

  /** A route without one, calling a service method that has one. */
  @Get('stock/:sku')
  stock(@Param('sku') sku: string) {
    return this.inventory.stock(sku);
  }

  /** The route's own decorators, before and after @CircuitBreaker(), all still apply. */
  @CircuitBreaker({ name: 'reserve', failureThreshold: 1 })
  @UseGuards(Gate)
  @HttpCode(202)
  @Post('reserve/:quantity')
  @Header('x-reserved-by', 'shop')
  async reserve(@Param('quantity', ParseIntPipe) quantity: number): Promise<{ quantity: number }> {
    await callDependency();
    return { quantity };
  }
}

/** The same errors, from a route no circuit protects. */
@Controller()
class PlainController {
  @Get('plain/:sku')
  async order(@Param('sku') sku: string): Promise<{ sku: string; answer: string }> {
    return { sku, answer: await callDependency() };
  }
}

const filters = [{ provide: APP_FILTER, useClass: DomainErrorFilter }];
const AppModule = moduleOf({
  imports: [CircuitBreakerModule.forRoot()],
  controllers: [ShopController],
  providers: [InventoryClient, ...filters],
});
/** The same application without the circuit-breaker module: what Nest answers on its own. */
const ControlModule = moduleOf({ controllers: [PlainController], providers: filters });

describe.each<Adapter>(['express', 'fastify'])('HTTP behaviour (%s)', (adapter) => {
  let running: RunningApp;
  let registry: CircuitBreakerRegistry;
  beforeEach(async () => {
    dependency.failure = 'none';
    dependency.calls = 0;
    Gate.open = true;
    running = await startApp(AppModule, adapter);
    registry = running.get(CircuitBreakerRegistry);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    return running.close();
  });

  const get = (path: string) => fetch(`${running.url}${path}`);
  const trip = async (path: string, failures: number) => {
    dependency.failure = 'error';
    for (let i = 0; i < failures; i++) expect((await get(path)).status).toBe(500);
  };
  it('answers 503 with Retry-After and the circuit in a JSON body, for a route’s own open circuit', async () => {
    expect(await (await get('/orders/a')).json()).toEqual({ sku: 'a', answer: 'ok' });
    freezeEngineClock();
    await trip('/orders/a', 2);
    const refused = await get('/orders/a');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('3'); // 2,500 ms, rounded up
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await refused.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Circuit "orders" is open',
      circuit: 'orders',
      retryAfterMs: 2_500,
    });
    expect(dependency.calls).toBe(3); // the handler did not run
  });

  it('answers 503 the same way for an open circuit in a service method the route calls', async () => {
    expect(await (await get('/stock/a')).json()).toEqual({ sku: 'a', stock: 'ok' });
    const clock = freezeEngineClock();
    await trip('/stock/a', 2);
    const refused = await get('/stock/a');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('3'); // 2,100 ms: rounded up, not to nearest
    expect(await refused.json()).toMatchObject({ circuit: 'inventory', retryAfterMs: 2_100 });

    clock.advance(1_099); // 1,001 ms left
    expect((await get('/stock/a')).headers.get('retry-after')).toBe('2');
    clock.advance(1); // 1,000 ms left
    const last = await get('/stock/a');
    expect(last.headers.get('retry-after')).toBe('1');
    expect(await last.json()).toMatchObject({ retryAfterMs: 1_000 });
    expect(dependency.calls).toBe(3);
  });

  it('answers 503 with a Retry-After of at least a second for a circuit forced open', async () => {
    registry.forceOpen('inventory');
    const refused = await get('/stock/a');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    // The body says what the header says: no reopening time is known, so a second.
    expect(await refused.json()).toMatchObject({ circuit: 'inventory', retryAfterMs: 1_000 });
  });

  it('lets a 4xx from a decorated route through as it was, without counting it', async () => {
    dependency.failure = 'not found';
    for (let i = 0; i < 4; i++) {
      const response = await get('/orders/a');
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'no such sku',
      });
    }
    expect(registry.get('orders')!.stats()).toMatchObject({
      state: 'closed',
      ignored: 4,
      failures: 0,
    });
  });

  it('lets every other error through Nest’s exception handling unchanged', async () => {
    const control = await startApp(ControlModule, adapter);
    try {
      for (const failure of ['error', 'bad gateway', 'conflict', 'domain'] as const) {
        dependency.failure = failure;
        const [protectedRoute, plainRoute] = await Promise.all([
          get('/orders/a'),
          fetch(`${control.url}/plain/a`),
        ]);
        const answer = async (response: Response) => ({
          status: response.status,
          type: response.headers.get('content-type'),
          retryAfter: response.headers.get('retry-after'),
          body: await response.text(),
        });
        expect({ failure, ...(await answer(protectedRoute)) }).toEqual({
          failure,
          ...(await answer(plainRoute)),
        });
        registry.reset('orders'); // keep the circuit closed: only the error itself is compared
      }
    } finally {
      await control.close();
    }
  });

  it('answers a call that timed out with 504, as CallTimeoutError is', async () => {
    dependency.failure = 'hang';
    const response = await get('/orders/a');
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({
      statusCode: 504,
      message: 'Call through circuit "orders" timed out after 300 ms',
    });
  });

  it('keeps the route’s other decorators: guard, pipe, status code and header', async () => {
    const reserve = (quantity: string) =>
      fetch(`${running.url}/reserve/${quantity}`, { method: 'POST' });
    const reserved = await reserve('3');
    expect(reserved.status).toBe(202);
    expect(reserved.headers.get('x-reserved-by')).toBe('shop');
    expect(await reserved.json()).toEqual({ quantity: 3 });
    expect((await reserve('three')).status).toBe(400); // ParseIntPipe
    Gate.open = false;
    expect((await reserve('3')).status).toBe(403);
    expect(dependency.calls).toBe(1);
    Gate.open = true;
    dependency.failure = 'error';
    expect((await reserve('3')).status).toBe(500);
    expect(registry.get('reserve')!.state).toBe(CircuitState.Open);
    expect((await reserve('3')).status).toBe(503);
  });
});
