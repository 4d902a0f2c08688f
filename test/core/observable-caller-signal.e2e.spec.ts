import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getEventListeners } from 'node:events';
import { Observable } from 'rxjs'; // a value: TypeScript records it as the return type
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitSignal,
} from '../../lib/index.js';

// A signal the caller passes in a decorated Observable method's `@CircuitSignal()` place is
// followed as a Promise method's is: the running attempt's signal aborts with the caller's
// reason, the subscriber gets that reason, no retry follows, the circuit does not count it, and
// nothing stays on the caller's signal once the call is over.

const retry = { attempts: 3, delayMs: 1, jitter: 'none' } as const;

/** Sources that never answer: a caller's abort is the only way out. */
@Injectable()
class WatchClient {
  /** The signal each attempt's source received, in order. */
  received: Array<AbortSignal | undefined> = [];
  live = 0;
  fallbacks = 0;

  @CircuitBreaker({ name: 'timed', timeoutMs: 60_000 })
  timed(_sku: string, @CircuitSignal() signal?: AbortSignal): Observable<string> {
    return this.silent(signal);
  }

  @CircuitBreaker({ name: 'timed-retried', timeoutMs: 60_000, retry })
  timedRetried(_sku: string, @CircuitSignal() signal?: AbortSignal): Observable<string> {
    return this.silent(signal);
  }

  @CircuitBreaker({
    name: 'deadline',
    timeoutMs: 60_000,
    retry: { ...retry, deadlineMs: 60_000 },
  })
  deadline(_sku: string, @CircuitSignal() signal?: AbortSignal): Observable<string> {
    return this.silent(signal);
  }

  @CircuitBreaker({
    name: 'bulkhead',
    timeoutMs: 60_000,
    retry,
    maxConcurrent: 2,
    maxQueued: 100,
  })
  bulkhead(_sku: string, @CircuitSignal() signal?: AbortSignal): Observable<string> {
    return this.silent(signal);
  }

  @CircuitBreaker({ name: 'untimed' })
  untimed(_sku: string, @CircuitSignal() signal?: AbortSignal): Observable<string> {
    return this.silent(signal);
  }

  @CircuitBreaker({ name: 'with-fallback', timeoutMs: 60_000, retry, fallback: 'cached' })
  withFallback(_sku: string, @CircuitSignal() signal?: AbortSignal): Observable<string> {
    return this.silent(signal);
  }

  cached(): string {
    this.fallbacks++;
    return 'cached';
  }

  private silent(signal: AbortSignal | undefined): Observable<string> {
    this.received.push(signal);
    return new Observable<string>(() => {
      this.live++;
      return () => this.live--;
    });
  }
}

@Module({ imports: [CircuitBreakerModule.forRoot()], providers: [WatchClient] })
class AppModule {}

type Method = 'timed' | 'timedRetried' | 'deadline' | 'bulkhead' | 'untimed' | 'withFallback';

const CIRCUITS: Array<[string, Method, string]> = [
  ['timeoutMs', 'timed', 'timed'],
  ['timeoutMs + retry', 'timedRetried', 'timed-retried'],
  ['timeoutMs + retry.deadlineMs', 'deadline', 'deadline'],
  ['bulkhead + retry + timeoutMs', 'bulkhead', 'bulkhead'],
  ['no timeoutMs', 'untimed', 'untimed'],
  ['timeoutMs + retry + fallback', 'withFallback', 'with-fallback'],
];

/** Waits for `condition`, at most 10 s (the machine may be loaded): its last reading. */
async function eventually(condition: () => boolean): Promise<boolean> {
  const until = Date.now() + 10_000;
  while (!condition() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  return condition();
}

/** Several turns of the event loop: time for a retry due in 1 ms to have started. */
const turns = () => new Promise((resolve) => setTimeout(resolve, 30));

describe.each(CIRCUITS)('an Observable method’s caller signal (%s)', (_name, method, circuit) => {
  let app: INestApplicationContext;
  let client: WatchClient;
  let registry: CircuitBreakerRegistry;
  beforeEach(async () => {
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    client = app.get(WatchClient);
    registry = app.get(CircuitBreakerRegistry);
  });
  afterEach(() => app.close());

  /** Subscribes; `outcome()` waits (10 s at most) for the error the subscriber gets, or 'answered'. */
  function subscribe(signal: AbortSignal | undefined): { outcome: () => Promise<unknown> } {
    const NOTHING = Symbol('nothing yet');
    let outcome: unknown = NOTHING;
    client[method]('sku', signal).subscribe({
      next: () => (outcome = 'answered'),
      error: (error: unknown) => (outcome = error),
      complete: () => (outcome = 'answered'),
    });
    return { outcome: async () => (await eventually(() => outcome !== NOTHING), outcome) };
  }

  it('aborts the attempt’s signal with the caller’s reason; the subscriber gets it, no retry, not counted', async () => {
    const caller = new AbortController();
    const { outcome } = subscribe(caller.signal);
    expect(await eventually(() => client.live === 1)).toBe(true);
    const reason = new Error('the caller gave up');
    caller.abort(reason);
    const [seen] = client.received;
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(reason);
    expect(await outcome()).toBe(reason);
    expect(await eventually(() => registry.get(circuit)!.stats().inFlight === 0)).toBe(true);
    await turns();
    const stats = registry.get(circuit)!.stats();
    expect({
      attempts: client.received.length,
      live: client.live,
      failures: stats.failures,
      successes: stats.successes,
      retries: stats.retry?.retries ?? 0,
      fallbacks: client.fallbacks,
    }).toEqual({ attempts: 1, live: 0, failures: 0, successes: 0, retries: 0, fallbacks: 0 });
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('an already aborted caller signal: the subscriber gets its reason, nothing runs or counts', async () => {
    const reason = new Error('gone before');
    const { outcome } = subscribe(AbortSignal.abort(reason));
    expect(await outcome()).toBe(reason);
    const stats = registry.get(circuit)!.stats();
    expect({ live: client.live, failures: stats.failures, calls: stats.totalCalls }).toEqual({
      live: 0,
      failures: 0,
      calls: 0,
    });
  });

  it('a long-lived caller signal: one listener at most while 20 run or wait, none once they end', async () => {
    const app = new AbortController();
    const subscriptions = Array.from({ length: 20 }, () =>
      client[method]('sku', app.signal).subscribe({ error: () => {} }),
    );
    expect(await eventually(() => client.received.length >= 2)).toBe(true);
    expect(getEventListeners(app.signal, 'abort').length).toBeLessThanOrEqual(1);
    subscriptions.forEach((subscription) => subscription.unsubscribe());
    expect(await eventually(() => client.live === 0)).toBe(true);
    expect(await eventually(() => registry.get(circuit)!.stats().inFlight === 0)).toBe(true);
    expect(await eventually(() => getEventListeners(app.signal, 'abort').length === 0)).toBe(true);
  });
});
