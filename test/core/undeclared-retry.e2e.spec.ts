import { Injectable, Module } from '@nestjs/common';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitState,
} from '../../lib/index.js';
import { startApp, type RunningApp } from './support/start-app.js';

// A method whose return type TypeScript did not record (none written, or `any`) is found out on
// its first call (issue 17, item 8): with `retry`, each attempt of that first call must call the
// method again, not get the first attempt's failed promise once more.

const options = {
  retry: { attempts: 3, delayMs: 1, jitter: 'none' },
  failureThreshold: 3,
  resetTimeoutMs: 60_000,
} as const;

@Injectable()
class QuotesClient {
  calls = 0;

  @CircuitBreaker({ name: 'unwritten', ...options })
  unwritten(sku: string) {
    return this.quote(sku);
  }

  @CircuitBreaker({ name: 'any', ...options })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the case under test
  declaredAny(sku: string): any {
    return this.quote(sku);
  }

  failUntil = Infinity;

  private quote(sku: string): Promise<string> {
    this.calls++;
    return this.calls <= this.failUntil
      ? Promise.reject(new Error('quotes down'))
      : Promise.resolve(`quote for ${sku}`);
  }
}

@Module({ imports: [CircuitBreakerModule.forRoot()], providers: [QuotesClient] })
class AppModule {}

describe('retry on the first call of a method with no recorded return type', () => {
  let running: RunningApp;
  let client: QuotesClient;
  let registry: CircuitBreakerRegistry;
  beforeEach(async () => {
    running = await startApp(AppModule);
    client = running.get(QuotesClient);
    registry = running.get(CircuitBreakerRegistry);
  });
  afterEach(() => running.close());

  describe.each([
    ['unwritten', (c: QuotesClient) => c.unwritten('a') as Promise<string>],
    ['any', (c: QuotesClient) => c.declaredAny('a') as Promise<string>],
  ] as const)('(%s)', (name, call) => {
    it('calls the method on every attempt of its first call', async () => {
      await expect(call(client)).rejects.toThrow('quotes down');
      expect(client.calls).toBe(3);
      expect(registry.get(name)!.stats()).toMatchObject({
        failures: 3,
        retry: { retries: 2 },
      });
    });

    it('opens only on real failures: a first call that succeeds on its retry is a success', async () => {
      client.failUntil = 1;
      await expect(call(client)).resolves.toBe('quote for a');
      expect(client.calls).toBe(2);
      expect(registry.get(name)!.state).toBe(CircuitState.Closed);
      expect(registry.get(name)!.stats()).toMatchObject({ failures: 1, successes: 1 });
    });
  });
});
