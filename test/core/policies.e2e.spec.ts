import { Controller, Get, Injectable, Module } from '@nestjs/common';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitSignal,
} from '../../lib/index.js';
import { startApp, type Adapter, type RunningApp } from './support/start-app.js';

// Retry and the bulkhead through @CircuitBreaker(), in a running app: the options of a circuit
// like any other (decorator, defaults, circuits[name]); a fallback once after the last attempt;
// a full bulkhead answers 503 with Retry-After and is not counted as a failure.

@Injectable()
class QuotesClient {
  calls = 0;
  failFirst = 0;
  fallbacks = 0;

  @CircuitBreaker({ name: 'quotes', retry: { attempts: 3, delayMs: 1, jitter: 'none' } })
  async quote(sku: string): Promise<string> {
    this.calls++;
    if (this.calls <= this.failFirst) throw new Error('quotes down');
    return `quote for ${sku}`;
  }

  @CircuitBreaker({
    name: 'cached-quotes',
    retry: { attempts: 3, delayMs: 1, jitter: 'none' },
    fallback: 'cached',
  })
  async cachedQuote(_sku: string): Promise<string> {
    this.calls++;
    throw new Error('quotes down');
  }

  cached(_error: unknown, sku: string): string {
    this.fallbacks++;
    return `cached quote for ${sku}`;
  }
}

@Controller('reports')
class ReportsController {
  private release: () => void = () => {};
  private onStart: () => void = () => {};
  readonly started = new Promise<void>((resolve) => (this.onStart = resolve));

  /** One report at a time: a second request meanwhile is refused at once. */
  @Get()
  @CircuitBreaker({ name: 'reports', maxConcurrent: 1 })
  async build(): Promise<string> {
    this.onStart();
    await new Promise<void>((resolve) => (this.release = resolve));
    return 'report';
  }

  finish(): void {
    this.release();
  }
}

@Module({
  imports: [CircuitBreakerModule.forRoot({ circuits: { quotes: { failureThreshold: 10 } } })],
  controllers: [ReportsController],
  providers: [QuotesClient],
})
class AppModule {}

describe.each<Adapter>(['express', 'fastify'])(
  'retry and bulkhead through @CircuitBreaker() (%s)',
  (adapter) => {
    let running: RunningApp;
    let client: QuotesClient;
    let registry: CircuitBreakerRegistry;
    beforeEach(async () => {
      running = await startApp(AppModule, adapter);
      client = running.get(QuotesClient);
      registry = running.get(CircuitBreakerRegistry);
    });
    afterEach(() => running.close());

    it('retries a decorated method: each attempt counted by its circuit', async () => {
      client.failFirst = 2;
      await expect(client.quote('sku-1')).resolves.toBe('quote for sku-1');
      expect(client.calls).toBe(3);
      expect(registry.get('quotes')!.stats()).toMatchObject({
        failures: 2,
        successes: 1,
        retry: { retries: 2 },
      });
      expect(registry.get('quotes')!.options.failureThreshold).toBe(10); // circuits[name] too
    });

    it('calls the fallback once, after the last attempt', async () => {
      await expect(client.cachedQuote('sku-2')).resolves.toBe('cached quote for sku-2');
      expect(client.calls).toBe(3);
      expect(client.fallbacks).toBe(1);
    });

    it('answers a request beyond the bulkhead with 503 and Retry-After, and counts no failure', async () => {
      const controller = running.get(ReportsController);
      const first = fetch(`${running.url}/reports`);
      await controller.started;
      const refused = await fetch(`${running.url}/reports`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({ circuit: 'reports', statusCode: 503 });
      controller.finish();
      expect(await (await first).text()).toBe('report');
      expect(registry.get('reports')!.stats()).toMatchObject({
        failures: 0,
        successes: 1,
        bulkhead: { rejected: 1 },
      });
    });
  },
);

describe('shared circuits with a retry', () => {
  it('let declarations with equal retry options agree', async () => {
    @Injectable()
    class Twice {
      @CircuitBreaker({ name: 'twice', retry: { attempts: 2 } })
      async a(): Promise<void> {}

      @CircuitBreaker({ name: 'twice', retry: { attempts: 2 } })
      async b(): Promise<void> {}
    }
    @Module({ imports: [CircuitBreakerModule.forRoot()], providers: [Twice] })
    class TwiceModule {}
    const running = await startApp(TwiceModule);
    expect(running.get(CircuitBreakerRegistry).get('twice')!.options.retry?.attempts).toBe(2);
    await running.close();
  });
});

// A count window and an adaptive timeout, declared half in the decorator and half in the module's
// circuits[name], as operators tune per environment.

@Controller('catalog')
class CatalogController {
  failing = false;
  hang = false;

  /** The failure rate over the last 4 calls, whenever they were made. */
  @Get('items')
  @CircuitBreaker({ name: 'catalog', windowType: 'count', windowSize: 4, minimumThroughput: 4 })
  async items(): Promise<string> {
    if (this.failing) throw new Error('catalog down');
    return 'items';
  }

  /** A timeout that follows this handler's own successes (configured in circuits.search). */
  @Get('search')
  @CircuitBreaker('search')
  async search(@CircuitSignal() signal?: AbortSignal): Promise<string> {
    if (!this.hang) return 'results';
    await new Promise((_resolve, reject) => signal!.addEventListener('abort', reject));
    return 'never';
  }
}

@Module({
  imports: [
    CircuitBreakerModule.forRoot({
      defaults: { failureThreshold: Infinity },
      circuits: {
        catalog: { failureRateThreshold: 0.5 },
        search: { timeoutMs: { percentile: 0.99, minMs: 50, maxMs: 60_000, minCalls: 5 } },
      },
    }),
  ],
  controllers: [CatalogController],
})
class CatalogModule {}

describe.each<Adapter>(['express', 'fastify'])(
  'count window and adaptive timeout through @CircuitBreaker() (%s)',
  (adapter) => {
    let running: RunningApp;
    let controller: CatalogController;
    let registry: CircuitBreakerRegistry;
    beforeEach(async () => {
      running = await startApp(CatalogModule, adapter);
      controller = running.get(CatalogController);
      registry = running.get(CircuitBreakerRegistry);
    });
    afterEach(() => running.close());

    const get = (path: string) => fetch(`${running.url}/catalog/${path}`);

    it('opens on the failure rate of the last windowSize calls', async () => {
      for (let i = 0; i < 6; i++) expect((await get('items')).status).toBe(200);
      controller.failing = true;
      expect((await get('items')).status).toBe(500); // 1 of the last 4 failed
      expect(registry.get('catalog')!.stats()).toMatchObject({ windowCalls: 4, failureRate: 0.25 });
      expect((await get('items')).status).toBe(500); // 2 of 4: the rate reaches 0.5
      const refused = await get('items');
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ circuit: 'catalog' });
    });

    it('times a call out by the measured latency once enough successes are in, with 504', async () => {
      const search = registry.get('search')!;
      expect(search.stats().timeoutMs).toBe(60_000); // maxMs until minCalls are measured
      for (let i = 0; i < 16; i++) expect((await get('search')).status).toBe(200);
      const followed = search.stats().timeoutMs!;
      expect(followed).toBeGreaterThanOrEqual(50); // minMs
      expect(followed).toBeLessThan(60_000);
      controller.hang = true;
      const timedOut = await get('search');
      expect(timedOut.status).toBe(504);
      expect(await timedOut.json()).toMatchObject({ circuit: 'search' });
      expect(search.stats()).toMatchObject({ timeouts: 1 });
    });
  },
);
