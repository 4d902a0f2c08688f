import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CircuitBreaker, CircuitBreakerModule, CircuitBreakerRegistry } from '../../lib/index.js';
import { startApp, startupError } from './support/start-app.js';

// The layouts the README used to show: a feature module (notifications, telemetry, Redis…) with
// its own CircuitBreakerModule.forRoot() beside the root module's. That built a second, separate
// set of providers that nothing used: no webhook, no Redis, no warning. It is now a start-up
// error naming both; feature modules add their circuits with forFeature().

@Module({
  imports: [
    CircuitBreakerModule.forRoot({
      notifications: { webhooks: [{ url: 'http://127.0.0.1:9/hooks' }] },
    }),
  ],
})
class NotificationsModule {}

@Module({ imports: [CircuitBreakerModule.forRoot(), NotificationsModule] })
class AppModule {}

@Module({
  imports: [CircuitBreakerModule.forRootAsync({ useFactory: () => ({ defaults: {} }) })],
})
class TelemetryModule {}

@Module({ imports: [CircuitBreakerModule.forRoot(), TelemetryModule] })
class AsyncAppModule {}

@Injectable()
class InventoryClient {
  @CircuitBreaker({ name: 'inventory', failureThreshold: 9 })
  async stock(): Promise<number> {
    return 1;
  }
}

@Module({
  imports: [CircuitBreakerModule.forFeature({ circuits: { inventory: { failureThreshold: 2 } } })],
  providers: [InventoryClient],
})
class InventoryModule {}

@Module({
  imports: [CircuitBreakerModule.forFeature({ circuits: { shipping: { timeoutMs: 1_000 } } })],
})
class ShippingModule {}

describe('one CircuitBreakerModule registration per application', () => {
  it('refuses a second forRoot() in a feature module, naming both modules', async () => {
    const error = (await startupError(AppModule)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/CircuitBreakerModule\.forRoot\(\) was registered twice/);
    expect(error.message).toContain('AppModule');
    expect(error.message).toContain('NotificationsModule');
    expect(error.message).toMatch(/once, in the root module/);
    expect(error.message).toMatch(
      /CircuitBreakerModule\.forFeature\(\{ circuits \}\) in feature modules/,
    );
  });

  it('refuses a forRootAsync() beside a forRoot(), naming both', async () => {
    const error = (await startupError(AsyncAppModule)) as Error;
    expect(error.message).toMatch(/registered twice/);
    expect(error.message).toContain('AsyncAppModule');
    expect(error.message).toContain('TelemetryModule');
    expect(error.message).toContain('forRootAsync()');
  });

  it('refuses it in a testing module too', async () => {
    await expect(Test.createTestingModule({ imports: [AppModule] }).compile()).rejects.toThrow(
      /registered twice/,
    );
  });

  it('lets one forRoot() be imported from several places (one module, one registry)', async () => {
    const circuits = CircuitBreakerModule.forRoot();
    @Module({ imports: [circuits] })
    class FeatureModule {}
    @Module({ imports: [circuits, FeatureModule] })
    class RootModule {}
    const app = await startApp(RootModule);
    try {
      expect(app.get(CircuitBreakerRegistry)).toBeInstanceOf(CircuitBreakerRegistry);
    } finally {
      await app.close();
    }
  });
});

describe('CircuitBreakerModule.forFeature()', () => {
  it('adds its circuits to the root registry, over the decorator’s options', async () => {
    @Module({
      imports: [
        CircuitBreakerModule.forRoot({ circuits: { payments: { timeoutMs: 500 } } }),
        InventoryModule,
        ShippingModule,
      ],
    })
    class RootModule {}
    const app = await startApp(RootModule);
    try {
      const registry = app.get(CircuitBreakerRegistry);
      expect(registry.names().sort()).toEqual(['inventory', 'payments', 'shipping']);
      expect(registry.get('inventory')!.options.failureThreshold).toBe(2);
      expect(registry.get('shipping')!.options.timeoutMs).toBe(1_000);
      expect(registry.get('payments')!.options.timeoutMs).toBe(500);
    } finally {
      await app.close();
    }
  });

  it('works beside forRootAsync()', async () => {
    @Module({
      imports: [
        CircuitBreakerModule.forRootAsync({ useFactory: () => ({ defaults: { timeoutMs: 9 } }) }),
        InventoryModule,
      ],
    })
    class RootModule {}
    const app = await startApp(RootModule);
    try {
      const inventory = app.get(CircuitBreakerRegistry).get('inventory')!;
      expect(inventory.options.failureThreshold).toBe(2);
      expect(inventory.options.timeoutMs).toBe(9);
    } finally {
      await app.close();
    }
  });

  it('refuses a circuit configured in two places, naming it and both places', async () => {
    @Module({
      imports: [
        CircuitBreakerModule.forRoot({ circuits: { inventory: { timeoutMs: 500 } } }),
        InventoryModule,
      ],
    })
    class RootModule {}
    const error = (await startupError(RootModule)) as Error;
    expect(error.message).toMatch(/circuit "inventory" is configured twice/);
    expect(error.message).toContain('RootModule');
    expect(error.message).toContain('InventoryModule');
  });

  it('refuses the same circuit in two feature modules', async () => {
    @Module({
      imports: [CircuitBreakerModule.forFeature({ circuits: { inventory: { timeoutMs: 1 } } })],
    })
    class OtherInventoryModule {}
    @Module({ imports: [CircuitBreakerModule.forRoot(), InventoryModule, OtherInventoryModule] })
    class RootModule {}
    const error = (await startupError(RootModule)) as Error;
    expect(error.message).toMatch(/circuit "inventory" is configured twice/);
    expect(error.message).toContain('OtherInventoryModule');
  });

  it('refuses forFeature() without a forRoot(): its circuits would be lost', async () => {
    @Module({ imports: [InventoryModule] })
    class RootModule {}
    const error = (await startupError(RootModule)) as Error;
    expect(error.message).toMatch(/forFeature\(\) in InventoryModule needs/);
    expect(error.message).toMatch(/forRoot\(\)/);
  });

  it('checks its options when it is called', () => {
    expect(() => CircuitBreakerModule.forFeature({ circuits: 'x' } as never)).toThrow(/circuits/);
    expect(() => CircuitBreakerModule.forFeature({ circuits: { a: 5 } } as never)).toThrow(
      /circuits\["a"\]/,
    );
    expect(() => CircuitBreakerModule.forFeature({ defaults: {} } as never)).toThrow(/defaults/);
  });

  it('keeps a name such as __proto__ its own', async () => {
    @Module({
      imports: [
        CircuitBreakerModule.forRoot(),
        CircuitBreakerModule.forFeature({
          circuits: JSON.parse('{"__proto__": {"failureThreshold": 3}}') as Record<
            string,
            { failureThreshold: number }
          >,
        }),
      ],
    })
    class RootModule {}
    const app = await startApp(RootModule);
    try {
      expect(app.get(CircuitBreakerRegistry).get('__proto__')!.options.failureThreshold).toBe(3);
    } finally {
      await app.close();
    }
  });
});
