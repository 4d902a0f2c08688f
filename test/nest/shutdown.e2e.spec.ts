import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  InMemoryCircuitStore,
} from '../../lib/index.js';
import { startApp } from './support/start-app.js';

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

@Module({
  imports: [
    CircuitBreakerModule.forRoot({
      metrics: { registry: new Registry() },
      store: new InMemoryCircuitStore(),
      admin: { public: true },
    }),
  ],
  controllers: [SlowController],
  providers: [SlowClient],
})
class AppModule {}

const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));
/** How many active resources (timers, sockets, handles) of each kind the process has. */
const resources = () => {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
};
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('app.close()', () => {
  it('leaves no timer, subscription or handle of the library behind', async () => {
    await settle();
    const before = resources();
    const running = await startApp(AppModule);
    let completed = false;
    running.get(CircuitBreakerRegistry).events$.subscribe({ complete: () => (completed = true) });
    for (let i = 0; i < 5; i++) expect(await (await fetch(running.url)).text()).toBe('ok');
    const events = await fetch(`${running.url}/circuit-breakers/events`); // an open event stream
    running.get(CircuitBreakerRegistry).forceOpen('route');
    expect(total(resources())).toBeGreaterThan(total(before)); // timers and sockets in use

    await running.close();
    await events.body?.cancel().catch(() => {});
    await settle();
    expect(completed).toBe(true);
    // Nothing more of any kind than before the app started (the test runner's own may be fewer).
    for (const [kind, count] of Object.entries(resources())) {
      expect({ kind, count }).toEqual({ kind, count: Math.min(count, before[kind] ?? 0) });
    }
  });
});
