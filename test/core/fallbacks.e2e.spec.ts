import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  Injectable,
  Module,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Query,
} from '@nestjs/common';
import { firstValueFrom, Observable, of, throwError } from 'rxjs';
import {
  CallTimeoutError,
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitOptionsError,
} from '../../lib/index.js';
import {
  json,
  moduleOf,
  startApp,
  startupError,
  type Adapter,
  type RunningApp,
} from './support/start-app.js';

type Answer = 'ok' | 'down' | 'not found' | 'hang';

interface Seen {
  self: unknown;
  error: unknown;
  args: unknown[];
}

@Injectable()
class QuotesClient {
  label = 'quotes client';
  answer: Answer = 'ok';
  runs = 0;
  seen: Seen[] = [];

  @CircuitBreaker({
    name: 'quotes',
    failureThreshold: 2,
    resetTimeoutMs: 60_000,
    timeoutMs: 100,
    fallback: 'cachedQuote',
  })
  async quote(sku: string, quantity: number): Promise<string> {
    this.runs++;
    if (this.answer === 'down') throw new Error('quotes down');
    if (this.answer === 'not found') throw new NotFoundException(`no sku ${sku}`);
    if (this.answer === 'hang') return new Promise<string>(() => {});
    return `${sku} x${quantity} at 10`;
  }

  cachedQuote(error: unknown, sku: string, quantity: number): string {
    this.seen.push({ self: this, error, args: [sku, quantity] });
    return `${sku} x${quantity} at 9 (${this.label}, cached)`;
  }

  @CircuitBreaker({
    name: 'rates',
    failureThreshold: 1,
    resetTimeoutMs: 60_000,
    fallback(this: QuotesClient, error: unknown, currency: string) {
      return `${currency} at 1 (${this.label}, ${(error as Error).constructor.name})`;
    },
  })
  async rate(currency: string): Promise<string> {
    this.runs++;
    throw new Error(`no rate for ${currency}`);
  }

  @CircuitBreaker({
    name: 'picky',
    isFailure: (error) => !(error instanceof RangeError),
    fallback: 'cachedQuote',
  })
  async picky(): Promise<string> {
    throw new RangeError('not a failure for this circuit');
  }

  @CircuitBreaker({ name: 'sync', failureThreshold: 1, fallback: 'syncFallback' })
  syncTotal(a: number, b: number): number {
    if (this.answer === 'down') throw new Error('sync down');
    return a + b;
  }

  syncFallback(_error: unknown, a: number, b: number): number {
    return -(a + b);
  }

  @CircuitBreaker({ name: 'async-fallback', failureThreshold: 1, fallback: 'asyncFallback' })
  async withAsyncFallback(): Promise<string> {
    throw new Error('down');
  }

  async asyncFallback(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return 'from an async fallback';
  }

  @CircuitBreaker({ name: 'throwing-fallback', failureThreshold: 1, fallback: 'refuse' })
  async withThrowingFallback(sku: string): Promise<string> {
    throw new Error(`lookup of ${sku} failed`);
  }

  refuse(_error: unknown, sku: string): never {
    throw new NotFoundException(`nothing cached for ${sku}`);
  }

  @CircuitBreaker({ name: 'shared-fallbacks', failureThreshold: 1, fallback: 'first' })
  async sharedFirst(): Promise<string> {
    throw new Error('down');
  }

  @CircuitBreaker({ name: 'shared-fallbacks', failureThreshold: 1, fallback: 'second' })
  async sharedSecond(): Promise<string> {
    throw new Error('down');
  }

  first(): string {
    return 'first fallback';
  }

  second(): string {
    return 'second fallback';
  }

  @CircuitBreaker({ name: 'stream-value', failureThreshold: 1, fallback: 'streamValue' })
  stream(): Observable<number> {
    return throwError(() => new Error('stream down'));
  }

  streamValue(error: unknown): number {
    return error instanceof CircuitOpenError ? -2 : -1;
  }

  @CircuitBreaker({ name: 'stream-observable', failureThreshold: 1, fallback: 'streamObservable' })
  otherStream(_start: number): Observable<number> {
    return throwError(() => new Error('stream down'));
  }

  streamObservable(_error: unknown, start: number): Observable<number> {
    return of(start, start + 1);
  }

  fallbackThenCalls = 0;

  @CircuitBreaker({ name: 'stream-thenable', failureThreshold: 1, fallback: 'streamThenable' })
  thenableStream(): Observable<number> {
    return throwError(() => new Error('stream down'));
  }

  // A thenable that is not a native promise: its then must run once per fallback.
  streamThenable(): PromiseLike<number> {
    return {
      then: <R>(resolve?: ((value: number) => R) | null) => {
        this.fallbackThenCalls++;
        resolve?.(42);
        return undefined as unknown as PromiseLike<R>;
      },
    } as PromiseLike<number>;
  }
}

@Controller('quotes')
class QuotesController {
  static answer: 'ok' | 'down' | 'invalid' = 'ok';
  label = 'quotes controller';
  runs = 0;
  constructor(private readonly client: QuotesClient) {}

  @Get('rate/:currency')
  rate(@Param('currency') currency: string) {
    return this.client.rate(currency);
  }

  @Get('throwing/:sku')
  throwing(@Param('sku') sku: string) {
    return this.client.withThrowingFallback(sku);
  }

  @Get(':sku')
  quote(@Param('sku') sku: string, @Query('quantity', ParseIntPipe) quantity: number) {
    return this.client.quote(sku, quantity);
  }

  @Post('order')
  @CircuitBreaker({
    name: 'orders',
    failureThreshold: 1,
    resetTimeoutMs: 60_000,
    fallback: 'queue',
  })
  async order(
    @Body() body: { sku: string },
    @Headers('x-tenant') tenant: string,
  ): Promise<Record<string, unknown>> {
    this.runs++;
    if (QuotesController.answer === 'down') throw new Error('orders down');
    if (QuotesController.answer === 'invalid') throw new BadRequestException('invalid order');
    return { sku: body.sku, tenant, status: 'placed' };
  }

  queue(error: unknown, body: { sku: string }, tenant: string): Record<string, unknown> {
    return {
      sku: body.sku,
      tenant,
      status: 'queued',
      by: this.label,
      because: (error as Error).constructor.name,
    };
  }
}

@Module({
  imports: [CircuitBreakerModule.forRoot()],
  controllers: [QuotesController],
  providers: [QuotesClient],
})
class AppModule {}

describe('fallbacks of @CircuitBreaker() methods, in a running app', () => {
  let running: RunningApp;
  let client: QuotesClient;
  let registry: CircuitBreakerRegistry;
  beforeEach(async () => {
    QuotesController.answer = 'ok';
    running = await startApp(AppModule);
    client = running.get(QuotesClient);
    registry = running.get(CircuitBreakerRegistry);
  });
  afterEach(() => running.close());

  const get = (path: string) => fetch(`${running.url}${path}`);

  it('is not called while calls succeed', async () => {
    expect(await (await get('/quotes/a?quantity=2')).text()).toBe('a x2 at 10');
    expect(client.seen).toEqual([]);
  });

  it('answers for a counted failure, by method name, with (error, ...args) and the instance as this', async () => {
    client.answer = 'down';
    const response = await get('/quotes/a?quantity=2');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('a x2 at 9 (quotes client, cached)');
    expect(client.seen).toHaveLength(1);
    expect(client.seen[0]!.self).toBe(client);
    expect(client.seen[0]!.error).toEqual(new Error('quotes down'));
    expect(client.seen[0]!.args).toEqual(['a', 2]);
    expect(registry.get('quotes')!.stats().failures).toBe(1); // still a failure of the circuit
  });

  it('answers for a call the open circuit rejects, with CircuitOpenError, without running the method', async () => {
    client.answer = 'down';
    await get('/quotes/a?quantity=1');
    await get('/quotes/a?quantity=1');
    const runs = client.runs;
    expect(await (await get('/quotes/b?quantity=3')).text()).toBe(
      'b x3 at 9 (quotes client, cached)',
    );
    expect(client.runs).toBe(runs);
    expect(client.seen[2]!.error).toBeInstanceOf(CircuitOpenError);
    expect(client.seen[2]!.args).toEqual(['b', 3]);
  });

  it('answers for a call that timed out, with CallTimeoutError', async () => {
    client.answer = 'hang';
    expect(await (await get('/quotes/c?quantity=1')).text()).toBe(
      'c x1 at 9 (quotes client, cached)',
    );
    expect(client.seen[0]!.error).toBeInstanceOf(CallTimeoutError);
  });

  it('is not called for an ignored error: a 4xx reaches the client as it was', async () => {
    client.answer = 'not found';
    const response = await get('/quotes/d?quantity=1');
    expect(response.status).toBe(404);
    expect(await json(response)).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'no sku d',
    });
    expect(client.seen).toEqual([]);
    expect(registry.get('quotes')!.stats()).toMatchObject({ ignored: 1, failures: 0 });
  });

  it('is not called for an error the circuit’s isFailure ignores', async () => {
    await expect(client.picky()).rejects.toBeInstanceOf(RangeError);
    expect(client.seen).toEqual([]);
  });

  it('can be a function, called with the instance as this', async () => {
    expect(await (await get('/quotes/rate/EUR')).text()).toBe('EUR at 1 (quotes client, Error)');
    expect(await (await get('/quotes/rate/USD')).text()).toBe(
      'USD at 1 (quotes client, CircuitOpenError)',
    );
    expect(client.runs).toBe(1);
  });

  it('keeps a sync method sync', () => {
    expect(client.syncTotal(1, 2)).toBe(3);
    client.answer = 'down';
    expect(client.syncTotal(1, 2)).toBe(-3); // a failure, answered at once
    expect(client.syncTotal(2, 2)).toBe(-4); // refused, answered at once
  });

  it('hands its own result to the caller, a promise awaited, an error thrown', async () => {
    await expect(client.withAsyncFallback()).resolves.toBe('from an async fallback');
    const response = await get('/quotes/throwing/e');
    expect(response.status).toBe(404);
    expect(await json(response)).toMatchObject({ message: 'nothing cached for e' });
  });

  it('belongs to its method when methods share a circuit', async () => {
    expect(await client.sharedFirst()).toBe('first fallback');
    expect(await client.sharedSecond()).toBe('second fallback'); // refused: the circuit is open
    expect(registry.get('shared-fallbacks')!.stats()).toMatchObject({
      failures: 1,
      rejections: 1,
    });
  });

  it('answers an Observable’s subscriber with a value or an Observable', async () => {
    expect(await firstValueFrom(client.stream())).toBe(-1);
    expect(await firstValueFrom(client.stream())).toBe(-2);
    const values: number[] = [];
    await new Promise<void>((complete) =>
      client.otherStream(5).subscribe({ next: (value) => values.push(value), complete }),
    );
    expect(values).toEqual([5, 6]);
  });

  it('answers an Observable’s subscriber with a thenable, calling its then once', async () => {
    expect(await firstValueFrom(client.thenableStream())).toBe(42);
    expect(client.fallbackThenCalls).toBe(1);
  });
});

describe.each<Adapter>(['express', 'fastify'])('fallbacks of route handlers (%s)', (adapter) => {
  let running: RunningApp;
  beforeEach(async () => {
    QuotesController.answer = 'ok';
    running = await startApp(AppModule, adapter);
  });
  afterEach(() => running.close());

  const order = (sku: string) =>
    fetch(`${running.url}/quotes/order`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant': 'acme' },
      body: JSON.stringify({ sku }),
    });

  it('get the handler’s own arguments and the controller as this; their result is the response', async () => {
    expect(await json(await order('a'))).toEqual({ sku: 'a', tenant: 'acme', status: 'placed' });
    QuotesController.answer = 'down';
    expect(await json(await order('b'))).toEqual({
      sku: 'b',
      tenant: 'acme',
      status: 'queued',
      by: 'quotes controller',
      because: 'Error',
    });
    const runs = running.get(QuotesController).runs;
    const refused = await order('c');
    expect(refused.status).toBe(201);
    expect(await json(refused)).toMatchObject({ sku: 'c', because: 'CircuitOpenError' });
    expect(running.get(QuotesController).runs).toBe(runs);
  });

  it('are not called for a 4xx the handler throws', async () => {
    QuotesController.answer = 'invalid';
    const response = await order('d');
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ message: 'invalid order' });
  });
});

describe('a fallback name that is not a method of the class', () => {
  it.each([
    ['a provider', 'missing'],
    ['a provider', 'label'], // a getter, not a method
  ])('fails start-up with CircuitOptionsError (%s, %s)', async (_where, fallback) => {
    @Injectable()
    class Broken {
      get label(): string {
        return 'not a method';
      }
      @CircuitBreaker({ name: 'broken', fallback })
      async call(): Promise<void> {}
    }
    const error = await startupError(
      moduleOf({ imports: [CircuitBreakerModule.forRoot()], providers: [Broken] }),
    );
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect(error).toMatchObject({ circuit: 'broken', option: 'fallback', value: fallback });
    expect((error as Error).message).toContain('must be the name of a method of Broken');
  });

  it('fails start-up on a controller handler too', async () => {
    @Controller()
    class BrokenController {
      @Get()
      @CircuitBreaker({ fallback: 'nowhere' })
      get(): string {
        return 'never served';
      }
    }
    const error = await startupError(
      moduleOf({ imports: [CircuitBreakerModule.forRoot()], controllers: [BrokenController] }),
      'fastify',
    );
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect(error).toMatchObject({ circuit: 'BrokenController.get', option: 'fallback' });
  });
});
