import { jest } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Observable } from 'rxjs';
import {
  CallTimeoutError,
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitSignal,
} from '../../lib/index.js';
import { watchLibraryTimers } from './support/library-timers.js';
import { startApp, type RunningApp } from './support/start-app.js';

// Observable methods with a timeout, retries and a bulkhead (issue 17, items 3 and 4): each
// attempt is one subscription of the source, unsubscribed when it times out; one attempt is
// subscribed at a time; a subscriber that leaves frees its place in the queue and cancels a
// pending retry, and nothing is subscribed for it afterwards.

/** Sources that count their live subscriptions, and which attempt each value came from. */
@Injectable()
class TickerClient {
  subscriptions = 0;
  live = 0;
  mostLive = 0;
  failing = false;

  /** Ticks every 150 ms, each attempt timed out after 50 ms: no tick should ever get through. */
  @CircuitBreaker({
    name: 'ticks',
    timeoutMs: 50,
    retry: { attempts: 3, delayMs: 1, jitter: 'none' },
    failureThreshold: 100,
  })
  ticks(): Observable<string> {
    return this.source(150);
  }

  signals: AbortSignal[] = [];

  /** As `ticks`, reading the call's signal. */
  @CircuitBreaker({
    name: 'signalled-ticks',
    timeoutMs: 50,
    retry: { attempts: 2, delayMs: 1, jitter: 'none' },
    failureThreshold: 100,
  })
  signalled(@CircuitSignal() signal?: AbortSignal): Observable<string> {
    if (signal !== undefined) this.signals.push(signal);
    return this.source(150);
  }

  /** One at a time, one more waiting. */
  @CircuitBreaker({ name: 'one-place', maxConcurrent: 1, maxQueued: 1 })
  held(): Observable<string> {
    return this.source(undefined);
  }

  /** Fails at once; the retry waits a minute. */
  @CircuitBreaker({
    name: 'slow-retry',
    retry: { attempts: 2, delayMs: 60_000, maxDelayMs: 60_000, jitter: 'none' },
    failureThreshold: 100,
  })
  flaky(): Observable<string> {
    return this.source(undefined);
  }

  private source(tickMs: number | undefined): Observable<string> {
    return new Observable<string>((subscriber) => {
      const attempt = ++this.subscriptions;
      this.mostLive = Math.max(this.mostLive, ++this.live);
      if (this.failing) {
        this.live--;
        subscriber.error(new Error('down'));
        return;
      }
      const timer =
        tickMs === undefined
          ? undefined
          : setInterval(() => subscriber.next(`attempt ${attempt}`), tickMs);
      return () => {
        clearInterval(timer);
        this.live--;
      };
    });
  }
}

@Module({ imports: [CircuitBreakerModule.forRoot()], providers: [TickerClient] })
class AppModule {}

jest.setTimeout(30_000);

/** Waits for `condition`, at most 10 s (the machine may be loaded): its last reading. */
async function eventually(condition: () => boolean): Promise<boolean> {
  const until = Date.now() + 10_000;
  while (!condition() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  return condition();
}

describe('Observable methods with timeoutMs, retry and a bulkhead', () => {
  let running: RunningApp;
  let client: TickerClient;
  let registry: CircuitBreakerRegistry;
  beforeEach(async () => {
    running = await startApp(AppModule);
    client = running.get(TickerClient);
    registry = running.get(CircuitBreakerRegistry);
  });
  afterEach(() => running?.close());

  const stats = (name: string) => registry.get(name)!.stats();

  it('unsubscribes each timed-out attempt: one live at a time, none after, no stale value', async () => {
    const values: string[] = [];
    let failure: unknown;
    client.ticks().subscribe({ next: (value) => values.push(value), error: (e) => (failure = e) });
    expect(await eventually(() => failure !== undefined)).toBe(true);
    expect(failure).toBeInstanceOf(CallTimeoutError);
    expect(values).toEqual([]); // a timed-out attempt's ticks never reach the subscriber
    expect(stats('ticks')).toMatchObject({ timeouts: 3, inFlight: 0, retry: { retries: 2 } });
    expect(client.subscriptions).toBe(3);
    expect(client.live).toBe(0);
    expect(client.mostLive).toBe(1);
    await running.close();
    expect(client.live).toBe(0);
  });

  it('gives each attempt its own signal, aborted when that attempt times out', async () => {
    let failure: unknown;
    client.signalled().subscribe({ error: (e) => (failure = e) });
    expect(await eventually(() => failure !== undefined)).toBe(true);
    expect(failure).toBeInstanceOf(CallTimeoutError);
    expect(client.signals).toHaveLength(2);
    expect(client.signals[0]).not.toBe(client.signals[1]);
    expect(client.signals.map((signal) => signal.aborted)).toEqual([true, true]);
    expect(client.live).toBe(0);
  });

  it('aborts the signal of the live attempt when the subscriber leaves', async () => {
    const subscription = client.signalled().subscribe();
    expect(client.signals).toHaveLength(1);
    subscription.unsubscribe();
    expect(client.signals[0]!.aborted).toBe(true);
    expect(client.live).toBe(0);
  });

  it('unsubscribes the live attempt when the subscriber leaves mid-attempt', async () => {
    const subscription = client.ticks().subscribe();
    expect(client.live).toBe(1);
    subscription.unsubscribe();
    expect(client.live).toBe(0);
    expect(await eventually(() => stats('ticks').inFlight === 0)).toBe(true);
    expect(stats('ticks')).toMatchObject({ timeouts: 0, failures: 0, retry: { retries: 0 } });
    expect(client.subscriptions).toBe(1);
  });

  it('frees the queue place of a subscriber that leaves while queued, and never subscribes for it', async () => {
    const first = client.held().subscribe();
    const second = client.held().subscribe();
    expect(await eventually(() => stats('one-place').bulkhead!.queued === 1)).toBe(true);
    second.unsubscribe();
    expect(await eventually(() => stats('one-place').bulkhead!.queued === 0)).toBe(true);
    // Another caller can take the queue's place now.
    const third = client.held().subscribe();
    expect(await eventually(() => stats('one-place').bulkhead!.queued === 1)).toBe(true);
    expect(stats('one-place').bulkhead!.rejected).toBe(0);
    first.unsubscribe();
    expect(await eventually(() => client.subscriptions === 2)).toBe(true);
    expect(stats('one-place').bulkhead).toMatchObject({ active: 1, queued: 0 });
    third.unsubscribe();
    expect(await eventually(() => stats('one-place').bulkhead!.active === 0)).toBe(true);
    expect(client.subscriptions).toBe(2); // the departed second subscriber never got a source
    expect(client.live).toBe(0);
    expect(stats('one-place')).toMatchObject({ inFlight: 0, successes: 0, failures: 0 });
  });

  it('cancels the pending retry of a subscriber that leaves during the delay', async () => {
    const timers = watchLibraryTimers();
    try {
      client.failing = true;
      const subscription = client.flaky().subscribe({ error: () => {} });
      // The first attempt failed: its retry waits for the delay (retries counts attempts run).
      expect(await eventually(() => stats('slow-retry').failures === 1)).toBe(true);
      expect(await eventually(() => timers.pending.size > 0)).toBe(true); // the delay's timer
      subscription.unsubscribe();
      // The delay ends with the subscriber: no timer of the library is left to run the retry.
      expect(await eventually(() => timers.pending.size === 0)).toBe(true);
      expect(client.subscriptions).toBe(1);
      expect(stats('slow-retry')).toMatchObject({ failures: 1, inFlight: 0 });
      expect(stats('slow-retry').retry).toMatchObject({ retries: 0, refused: 0 });
    } finally {
      timers.restore();
    }
  });
});
