import { Controller, Get, Injectable, Module } from '@nestjs/common';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitState,
} from '../../lib/index.js';
import { startApp, type RunningApp } from './support/start-app.js';

@Injectable()
class InventoryClient {
  calls = 0;
  healthy = false;

  @CircuitBreaker({ name: 'inventory', failureThreshold: 3 })
  async stock(sku: string): Promise<{ sku: string; available: number }> {
    this.calls++;
    if (!this.healthy) throw new Error('inventory down');
    return { sku, available: 7 };
  }
}

@Controller('stock')
class StockController {
  constructor(private readonly inventory: InventoryClient) {}

  @Get()
  stock() {
    return this.inventory.stock('sku-42');
  }
}

@Module({
  imports: [CircuitBreakerModule.forRoot()],
  controllers: [StockController],
  providers: [InventoryClient],
})
class AppModule {}

describe('@CircuitBreaker() on a service method, in a running app', () => {
  let running: RunningApp;
  beforeEach(async () => (running = await startApp(AppModule)));
  afterEach(() => running.close());

  it('opens after its threshold, then rejects without running the body, answering 503 with Retry-After', async () => {
    const client = running.get(InventoryClient);
    for (let i = 0; i < 3; i++) expect((await fetch(`${running.url}/stock`)).status).toBe(500);
    expect(running.get(CircuitBreakerRegistry).get('inventory')?.state).toBe(CircuitState.Open);

    const refused = await fetch(`${running.url}/stock`);
    expect(client.calls).toBe(3);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await refused.json()).toMatchObject({
      statusCode: 503,
      circuit: 'inventory',
      retryAfterMs: expect.any(Number),
    });
  });

  it('passes values through while closed', async () => {
    running.get(InventoryClient).healthy = true;
    const response = await fetch(`${running.url}/stock`);
    expect(await response.json()).toEqual({ sku: 'sku-42', available: 7 });
    expect(running.get(CircuitBreakerRegistry).get('inventory')?.stats().successes).toBe(1);
  });
});
