import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { firstValueFrom, lastValueFrom, Observable, of, toArray } from 'rxjs';
import {
  CallTimeoutError,
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitSignal,
  CircuitState,
} from '../../lib/index.js';
import { json, sleep, startApp, type RunningApp } from './support/start-app.js';

type Mode = 'values' | 'empty' | 'error' | 'value then error' | 'silent';

@Injectable()
class PricesClient {
  mode: Mode = 'values';
  subscriptions = 0;
  unsubscriptions = 0;

  @CircuitBreaker({ name: 'prices', failureThreshold: 2, resetTimeoutMs: 60_000 })
  prices(sku: string): Observable<string> {
    return this.source(sku);
  }

  // No return type written: TypeScript records none, and the method is protected all the same.
  @CircuitBreaker({ name: 'inferred', failureThreshold: 2, resetTimeoutMs: 60_000 })
  inferred(sku: string) {
    return this.source(sku);
  }

  @CircuitBreaker({ name: 'slow-prices', timeoutMs: 50 })
  slow(): Observable<string> {
    return this.source('slow');
  }

  @CircuitBreaker({ name: 'signalled-prices', timeoutMs: 50 })
  signalled(@CircuitSignal() signal?: AbortSignal): Observable<string> {
    return of(signal instanceof AbortSignal ? 'signalled' : 'no signal');
  }

  @CircuitBreaker({ name: 'probed', failureThreshold: 1, resetTimeoutMs: 100 })
  probed(): Observable<string> {
    return this.source('probed');
  }

  private source(sku: string): Observable<string> {
    return new Observable<string>((subscriber) => {
      this.subscriptions++;
      const mode = this.mode;
      if (mode === 'error') subscriber.error(new Error('prices down'));
      else if (mode === 'empty') subscriber.complete();
      else if (mode === 'value then error') {
        subscriber.next(`${sku}: 1`);
        subscriber.error(new Error('stream broke later'));
      } else if (mode === 'values') {
        subscriber.next(`${sku}: 1`);
        subscriber.next(`${sku}: 2`);
        subscriber.complete();
      }
      return () => this.unsubscriptions++;
    });
  }
}

@Controller('prices')
class PricesController {
  static failing = false;
  constructor(private readonly client: PricesClient) {}

  @Get('service')
  service(): Observable<string[]> {
    return this.client.prices('sku').pipe(toArray());
  }

  @Get('handler')
  @CircuitBreaker({ name: 'handler-stream', failureThreshold: 1, resetTimeoutMs: 60_000 })
  handler(): Observable<{ price: number }> {
    return PricesController.failing
      ? new Observable((subscriber) => subscriber.error(new Error('handler stream down')))
      : of({ price: 3 });
  }
}

@Module({
  imports: [CircuitBreakerModule.forRoot()],
  controllers: [PricesController],
  providers: [PricesClient],
})
class AppModule {}

describe('@CircuitBreaker() on methods returning an Observable', () => {
  let running: RunningApp;
  let client: PricesClient;
  let registry: CircuitBreakerRegistry;
  beforeEach(async () => {
    PricesController.failing = false;
    running = await startApp(AppModule);
    client = running.get(PricesClient);
    registry = running.get(CircuitBreakerRegistry);
  });
  afterEach(() => running.close());

  const stats = (name = 'prices') => registry.get(name)!.stats();

  describe.each(['prices', 'inferred'] as const)('(%s)', (method) => {
    const call = (sku = 'a') => client[method](sku);

    it('runs nothing and counts nothing before a subscription', () => {
      const prices = call();
      expect(prices).toBeInstanceOf(Observable);
      expect(client.subscriptions).toBe(0);
      expect(stats(method)).toMatchObject({ totalCalls: 0, successes: 0 });
    });

    it('counts each subscription as one call, its first value the success', async () => {
      const prices = call();
      expect(await lastValueFrom(prices.pipe(toArray()))).toEqual(['a: 1', 'a: 2']);
      expect(await firstValueFrom(prices)).toBe('a: 1');
      expect(client.subscriptions).toBe(2);
      expect(stats(method)).toMatchObject({ totalCalls: 2, successes: 2, failures: 0 });
    });

    it('counts a completion without a value as a success', async () => {
      client.mode = 'empty';
      expect(await lastValueFrom(call(), { defaultValue: 'none' })).toBe('none');
      expect(stats(method)).toMatchObject({ successes: 1, failures: 0 });
    });

    it('counts an error before the first value as a failure, and one after it not at all', async () => {
      client.mode = 'value then error';
      const seen: string[] = [];
      await expect(
        lastValueFrom(call(), { defaultValue: undefined }).catch((error: Error) => {
          seen.push(error.message);
        }),
      ).resolves.toBeUndefined();
      expect(seen).toEqual(['stream broke later']); // the subscriber still gets it
      expect(stats(method)).toMatchObject({ successes: 1, failures: 0 });

      client.mode = 'error';
      await expect(firstValueFrom(call())).rejects.toThrow('prices down');
      expect(stats(method)).toMatchObject({ successes: 1, failures: 1 });
    });

    it('gives a subscriber CircuitOpenError once open, without subscribing to the source', async () => {
      client.mode = 'error';
      await expect(firstValueFrom(call())).rejects.toThrow('prices down');
      await expect(firstValueFrom(call())).rejects.toThrow('prices down');
      expect(registry.get(method)!.state).toBe(CircuitState.Open);
      const subscriptions = client.subscriptions;
      const refused = call(); // still an Observable, refused on subscription
      expect(refused).toBeInstanceOf(Observable);
      const error = await firstValueFrom(refused).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(CircuitOpenError);
      expect(error).toMatchObject({ circuit: method });
      expect(client.subscriptions).toBe(subscriptions);
    });
  });

  it('times a subscription out with CallTimeoutError and unsubscribes from the source', async () => {
    client.mode = 'silent';
    const error = await firstValueFrom(client.slow()).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(client.unsubscriptions).toBe(1);
    expect(stats('slow-prices')).toMatchObject({ timeouts: 1, failures: 1 });
  });

  it('builds an AbortSignal for a timed subscription only when the method asks for one', async () => {
    const Original = globalThis.AbortController;
    let built = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        built++;
      }
    };
    try {
      expect(await firstValueFrom(client.slow())).toBe('slow: 1');
      expect(built).toBe(0); // no @CircuitSignal(): nothing would read it
      expect(await firstValueFrom(client.signalled())).toBe('signalled');
      expect(built).toBe(1);
    } finally {
      globalThis.AbortController = Original;
    }
    expect(stats('slow-prices')).toMatchObject({ successes: 1, failures: 0 });
  });

  it('frees a call unsubscribed before its outcome without counting it: a half-open probe is not lost', async () => {
    client.mode = 'error';
    await expect(firstValueFrom(client.probed())).rejects.toThrow('prices down');
    await sleep(120); // the open duration (100 ms) passes: half-open, one probe allowed
    expect(registry.get('probed')!.state).toBe(CircuitState.HalfOpen);
    client.mode = 'silent';
    const probe = client.probed().subscribe();
    expect(stats('probed').inFlight).toBe(1);
    probe.unsubscribe();
    await sleep(0);
    expect(stats('probed')).toMatchObject({ inFlight: 0, successes: 0, failures: 1 });
    client.mode = 'values';
    expect(await firstValueFrom(client.probed())).toBe('probed: 1'); // the permit is back
    expect(registry.get('probed')!.state).toBe(CircuitState.Closed);
  });

  it('answers a route that returns a protected Observable, and 503 once its circuit is open', async () => {
    const fetchJson = async (path: string) => {
      const response = await fetch(`${running.url}${path}`);
      return { status: response.status, body: await json(response) };
    };
    expect(await fetchJson('/prices/handler')).toEqual({ status: 200, body: { price: 3 } });
    PricesController.failing = true;
    expect((await fetchJson('/prices/handler')).status).toBe(500);
    expect(await fetchJson('/prices/handler')).toMatchObject({
      status: 503,
      body: { circuit: 'handler-stream' },
    });

    expect((await fetch(`${running.url}/prices/service`)).status).toBe(200);
    client.mode = 'error';
    expect((await fetch(`${running.url}/prices/service`)).status).toBe(500);
    expect((await fetch(`${running.url}/prices/service`)).status).toBe(500);
    expect(await fetchJson('/prices/service')).toMatchObject({
      status: 503,
      body: { circuit: 'prices' },
    });
  });
});
