import { Controller, Get, Injectable, Module, type Type } from '@nestjs/common';
import { Registry } from 'prom-client';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  InMemoryCircuitStore,
} from '../../lib/index.js';
import { watchLibraryTimers } from './support/library-timers.js';
import { startApp, type Adapter } from './support/start-app.js';

@Injectable()
class SlowClient {
  @CircuitBreaker({ name: 'slow', timeoutMs: 60_000 })
  async call(): Promise<string> {
    return 'ok';
  }
}

@Controller()
class SlowController {
  constructor(private readonly client: SlowClient) {}

  @Get()
  @CircuitBreaker({ name: 'route', timeoutMs: 60_000 })
  get(): Promise<string> {
    return this.client.call();
  }
}

/** A fresh app each time: a store remembers its circuits' states across the apps that share it. */
function appModule(): Type {
  @Module({
    imports: [
      CircuitBreakerModule.forRoot({
        metrics: { registry: new Registry() },
        store: new InMemoryCircuitStore(),
        admin: { public: true },
        snapshots: { save: () => {}, saveIntervalMs: 1_000 }, // its interval must stop too
      }),
    ],
    controllers: [SlowController],
    providers: [SlowClient],
  })
  class AppModule {}
  return AppModule;
}

const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds, or `withinMs` have passed. */
async function until(condition: () => boolean, withinMs: number): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (!condition() && performance.now() < deadline) await settle(10);
}

describe.each<Adapter>(['express', 'fastify'])('app.close() (%s)', (adapter) => {
  it('leaves no timer, subscription or socket of the library behind', async () => {
    const timers = watchLibraryTimers();
    try {
      const running = await startApp(appModule(), adapter);
      const registry = running.get(CircuitBreakerRegistry);
      const completed: string[] = [];
      const heard: string[] = [];
      registry.events$.subscribe({
        next: ({ circuit }) => heard.push(circuit),
        complete: () => completed.push('events$'),
      });
      registry.created$.subscribe({ complete: () => completed.push('created$') });
      for (let i = 0; i < 5; i++) expect(await (await fetch(running.url)).text()).toBe('ok');
      const events = await fetch(`${running.url}/circuit-breakers/events`); // an open event stream
      registry.forceOpen('route');
      const kept = registry.get('slow')!;
      await settle();
      expect(timers.pending.size).toBeGreaterThan(0); // the shared deadline timer, the stream's

      await running.close();
      await events.body?.cancel().catch(() => {});
      expect(completed.sort()).toEqual(['created$', 'events$']);
      // Every timer fired or was cleared; one left running (an interval) never would be.
      await until(() => timers.pending.size === 0, 5_000);
      expect(timers.pending.size).toBe(0);
      expect(registry.names()).toEqual([]);
      kept.forceOpen(); // a circuit someone kept: no listener of the library hears of it now
      expect(heard).toEqual(['route']);
    } finally {
      timers.restore();
    }
  });
});
