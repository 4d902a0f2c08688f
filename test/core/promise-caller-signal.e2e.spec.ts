import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitSignal,
} from '../../lib/index.js';

// A decorated Promise method whose caller aborts the signal it passed in the `@CircuitSignal()`
// place: the caller gets the abort's reason, the circuit does not count it, no retry follows and
// no fallback answers (the caller gave up), as for Observable methods.

const options = { failureThreshold: 1, retry: { attempts: 3, delayMs: 1 }, fallback: 'cached' };

@Injectable()
class QuoteClient {
  calls = 0;
  fallbacks = 0;

  @CircuitBreaker({ name: 'timed', timeoutMs: 60_000, ...options })
  timed(_sku: string, @CircuitSignal() signal?: AbortSignal): Promise<string> {
    return this.listens(signal);
  }

  @CircuitBreaker({ name: 'untimed', ...options })
  untimed(_sku: string, @CircuitSignal() signal?: AbortSignal): Promise<string> {
    return this.listens(signal);
  }

  cached(): string {
    this.fallbacks++;
    return 'cached';
  }

  /** Rejects with the signal's reason when it aborts, as fetch does. */
  private listens(signal: AbortSignal | undefined): Promise<string> {
    this.calls++;
    return new Promise((_, reject) =>
      signal!.addEventListener('abort', () => reject(signal!.reason), { once: true }),
    );
  }
}

@Module({ imports: [CircuitBreakerModule.forRoot({ logger: false })], providers: [QuoteClient] })
class AppModule {}

describe('a decorated Promise method whose caller aborts', () => {
  let app: INestApplicationContext;
  beforeEach(async () => {
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    await app.init();
  });
  afterEach(() => app.close());

  it.each(['timed', 'untimed'] as const)(
    '%s: the caller gets its reason; not counted, not retried, no fallback',
    async (name) => {
      const client = app.get(QuoteClient);
      const caller = new AbortController();
      const call = client[name]('sku-1', caller.signal);
      caller.abort(new Error('client gone'));
      await expect(call).rejects.toThrow('client gone');
      expect({ calls: client.calls, fallbacks: client.fallbacks }).toEqual({
        calls: 1,
        fallbacks: 0,
      });
      const stats = app.get(CircuitBreakerRegistry).get(name)!.stats();
      expect(stats).toMatchObject({ state: 'closed', failures: 0, ignored: 1 });
    },
  );
});
