import {
  Catch,
  Controller,
  Get,
  HttpException,
  HttpStatus,
  Injectable,
  ServiceUnavailableException,
  UseFilters,
  UseInterceptors,
  type ArgumentsHost,
  type ExceptionFilter,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  asHttpException,
  BulkheadFullError,
  CallTimeoutError,
  CircuitBreaker,
  CircuitBreakerInterceptor,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitOpenException,
  isBulkheadFullError,
  isCallTimeoutError,
  isCircuitOpenError,
  setRetryAfter,
} from '../../lib/index.js';
import { moduleOf, type Adapter } from './support/start-app.js';

// API.md, Errors: what reaches Nest from the module is an HttpException (503 for refusals, 504
// for timeouts, a body with retryAfterMs), still instanceof the engine's class and passing its
// guard, so that the catch-all filter of the NestJS docs answers 503, not 500.

/** The catch-all filter of the NestJS docs (exception-filters#catch-everything), as written there. */
@Catch()
class CatchEverythingFilter implements ExceptionFilter {
  constructor(private readonly httpAdapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.httpAdapterHost;
    const ctx = host.switchToHttp();
    const httpStatus =
      exception instanceof HttpException ? exception.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    const responseBody = {
      statusCode: httpStatus,
      path: httpAdapter.getRequestUrl(ctx.getRequest()) as string,
      body: exception instanceof HttpException ? exception.getResponse() : undefined,
    };
    httpAdapter.reply(ctx.getResponse(), responseBody, httpStatus);
  }
}

/** The same filter, keeping the module's Retry-After with its one line. */
@Catch()
class CatchEverythingWithRetryAfter extends CatchEverythingFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    setRetryAfter(host.switchToHttp().getResponse(), exception);
    super.catch(exception, host);
  }
}

/** What the service saw thrown, by the checks a user writes. */
const seen: Record<string, boolean>[] = [];

@Injectable()
class StockClient {
  @CircuitBreaker({ name: 'stock', resetTimeoutMs: 4_500 })
  async level(): Promise<number> {
    return 7;
  }

  @CircuitBreaker({ name: 'slow-stock', timeoutMs: 20 })
  async slowLevel(): Promise<number> {
    return new Promise(() => {});
  }

  release: () => void = () => {};
  @CircuitBreaker({ name: 'one-at-a-time', maxConcurrent: 1 })
  async exclusive(): Promise<string> {
    await new Promise<void>((resolve) => (this.release = resolve));
    return 'done';
  }
}

@Controller()
class StockController {
  constructor(private readonly stock: StockClient) {}

  @Get('level')
  async level(): Promise<number> {
    try {
      return await this.stock.level();
    } catch (error) {
      seen.push({
        circuitOpenError: error instanceof CircuitOpenError,
        guard: isCircuitOpenError(error),
        httpException: error instanceof ServiceUnavailableException,
        ownClass: error instanceof CircuitOpenException,
      });
      throw error;
    }
  }

  @Get('slow')
  slow(): Promise<number> {
    return this.stock.slowLevel();
  }

  @Get('exclusive')
  exclusive(): Promise<string> {
    return this.stock.exclusive();
  }

  /** A route with a circuit of its own. */
  @Get('route')
  @CircuitBreaker('route')
  route(): string {
    return 'route';
  }

  /** A route the interceptor protects. */
  @Get('intercepted')
  @UseInterceptors(CircuitBreakerInterceptor)
  intercepted(): string {
    return 'intercepted';
  }
}

/** The same routes, with the filter on the controller, where it wins over every global one. */
@Controller('scoped')
@UseFilters(CatchEverythingFilter)
class ScopedController extends StockController {}

/** An app whose `main.ts` registers `filter` as the NestJS docs show. */
async function startWith(adapter: Adapter, filter?: Type<ExceptionFilter>) {
  const module = moduleOf({
    imports: [CircuitBreakerModule.forRoot()],
    controllers: [StockController, ScopedController],
    providers: [StockClient],
  });
  const options = { logger: false, abortOnError: false } as const;
  const app: INestApplication =
    adapter === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), options)
      : await NestFactory.create(module, options);
  if (filter !== undefined) app.useGlobalFilters(new filter(app.get(HttpAdapterHost)));
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, get: (path: string) => fetch(`${url}${path}`) };
}

/**
 * Waits until a first request holds the only place of 'one-at-a-time': 10 s at most, for the
 * machine may be loaded (a bound of 200 turns gave up after about a second, then went on).
 */
async function bulkheadHeld(app: INestApplication): Promise<void> {
  const circuit = () => app.get(CircuitBreakerRegistry).get('one-at-a-time');
  const deadline = Date.now() + 10_000;
  while (circuit()?.stats().inFlight !== 1) {
    if (Date.now() > deadline) throw new Error('no request took the bulkhead’s place within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each<Adapter>(['express', 'fastify'])('errors Nest recognises (%s)', (adapter) => {
  describe('with the catch-all filter of the NestJS docs', () => {
    let app: INestApplication;
    let get: (path: string) => Promise<Response>;
    beforeEach(async () => {
      seen.length = 0;
      ({ app, get } = await startWith(adapter, CatchEverythingFilter));
    });
    afterEach(() => app.close());

    it.each(['', '/scoped'])(
      'answers 503 for an open circuit on a route, in a service and through the interceptor (%s)',
      async (prefix) => {
        const registry = app.get(CircuitBreakerRegistry);
        const interceptorCircuit = `${prefix ? 'Scoped' : 'Stock'}Controller.intercepted`;
        registry.getOrCreate(interceptorCircuit); // the interceptor's, made on a first request
        for (const name of ['stock', 'route', interceptorCircuit]) registry.forceOpen(name);
        for (const path of ['/level', '/route', '/intercepted']) {
          const response = await get(`${prefix}${path}`);
          expect({ path, status: response.status }).toEqual({ path, status: 503 });
          expect(await response.json()).toMatchObject({
            statusCode: 503,
            body: { statusCode: 503, error: 'Service Unavailable', retryAfterMs: 1_000 },
          });
        }
      },
    );

    it('answers 504 for a timeout and 503 for a full bulkhead', async () => {
      const slow = await get('/scoped/slow');
      expect(slow.status).toBe(504);
      expect(await slow.json()).toMatchObject({
        body: { statusCode: 504, circuit: 'slow-stock' },
      });
      const first = get('/scoped/exclusive');
      const stock = app.get(StockClient);
      await bulkheadHeld(app);
      const refused = await get('/scoped/exclusive');
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({
        body: { circuit: 'one-at-a-time', retryAfterMs: 1_000 },
      });
      stock.release();
      expect((await first).status).toBe(200);
    });

    it('makes a circuit used through the registry refuse with the same form', async () => {
      const circuit = app.get(CircuitBreakerRegistry).getOrCreate('direct');
      circuit.forceOpen();
      const refusal = await circuit.execute(async () => 1).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(CircuitOpenException);
      expect(refusal).toBeInstanceOf(CircuitOpenError);
      expect(refusal).toMatchObject({
        name: 'CircuitOpenError',
        circuit: 'direct',
        state: 'forced_open',
      });
    });

    it('throws what is instanceof the engine class, passes its guard, and is a ServiceUnavailableException', async () => {
      app.get(CircuitBreakerRegistry).forceOpen('stock');
      expect((await get('/level')).status).toBe(503);
      expect(seen).toEqual([
        { circuitOpenError: true, guard: true, httpException: true, ownClass: true },
      ]);
    });
  });

  it('keeps Retry-After in a custom filter with setRetryAfter()', async () => {
    const { app, get } = await startWith(adapter, CatchEverythingWithRetryAfter);
    try {
      app.get(CircuitBreakerRegistry).forceOpen('stock');
      const refused = await get('/level');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect((await get('/route')).headers.get('retry-after')).toBeNull(); // closed: no header
    } finally {
      await app.close();
    }
  });

  it('with the module’s own filter, a full bulkhead’s body and Retry-After agree', async () => {
    const { app, get } = await startWith(adapter);
    try {
      const first = get('/exclusive');
      await bulkheadHeld(app);
      const refused = await get('/exclusive');
      app.get(StockClient).release();
      await first;
      expect(refused.status).toBe(503);
      const { retryAfterMs } = (await refused.json()) as { retryAfterMs: number };
      expect(refused.headers.get('retry-after')).toBe(String(Math.ceil(retryAfterMs / 1000)));
      expect(retryAfterMs).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });
});

describe('asHttpException(), for the plain errors of the engine without the module', () => {
  // The built engine entry: a copy no app has set forms on (`npm test` builds it first).
  const builtEngine: string = '../../dist/esm/engine/index.js'; // a variable: no build to type-check
  let engine: typeof import('../../lib/engine/index.js');
  beforeAll(async () => {
    engine = (await import(builtEngine)) as typeof engine;
  });

  it('gives each of the three its form: status, fields, guards and instanceof kept', () => {
    const plain = new engine.CircuitOpenError('a', engine.CircuitState.Open, 2_500);
    expect(plain).not.toBeInstanceOf(HttpException); // the engine alone keeps its plain errors
    const open = asHttpException(plain);
    const full = asHttpException(new engine.BulkheadFullError('b', 1, 0, false));
    const late = asHttpException(new engine.CallTimeoutError('c', 30));
    expect(open).toBeInstanceOf(CircuitOpenError);
    expect(open).toMatchObject({ circuit: 'a', state: 'open', retryAfterMs: 2_500 });
    expect((open as HttpException).getStatus()).toBe(503);
    expect((open as HttpException).getResponse()).toMatchObject({ retryAfterMs: 2_500 });
    expect(isBulkheadFullError(full) && full instanceof BulkheadFullError).toBe(true);
    expect((full as HttpException).getStatus()).toBe(503);
    expect(isCallTimeoutError(late) && late instanceof CallTimeoutError).toBe(true);
    expect(late).toMatchObject({ circuit: 'c', timeoutMs: 30 });
    expect((late as HttpException).getStatus()).toBe(504);
    expect(isCircuitOpenError(full) || isCircuitOpenError(late)).toBe(false);
  });
});
