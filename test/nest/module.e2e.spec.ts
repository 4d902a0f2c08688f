import { Inject, Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOptionsError,
  CircuitState,
  type CircuitStateChange,
} from '../../lib/index.js';
import { startContext } from './support/app-context.js';

@Injectable()
class SearchClient {
  @CircuitBreaker({ name: 'search', failureThreshold: 3, resetTimeoutMs: 1_000, timeoutMs: 500 })
  async search(): Promise<string> {
    return 'found';
  }
}

const SETTINGS = Symbol('SETTINGS');
@Module({ providers: [{ provide: SETTINGS, useValue: { threshold: 7 } }], exports: [SETTINGS] })
class SettingsModule {}

/** A feature module that does not import CircuitBreakerModule: the module is global. */
@Injectable()
class Reporter {
  constructor(readonly circuits: CircuitBreakerRegistry) {}
}
@Module({ providers: [Reporter], exports: [Reporter] })
class FeatureModule {}

describe('CircuitBreakerModule', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('applies options in rising precedence: built-in < defaults < decorator < circuits[name]', async () => {
    app = await startContext({
      imports: [
        CircuitBreakerModule.forRoot({
          defaults: { failureThreshold: 10, resetTimeoutMs: 9_000, halfOpenMaxCalls: 2 },
          circuits: { search: { timeoutMs: 100 } },
        }),
      ],
      providers: [SearchClient],
    });
    expect(app.get(CircuitBreakerRegistry).get('search')!.options).toMatchObject({
      successThreshold: 1, // built-in
      halfOpenMaxCalls: 2, // defaults
      failureThreshold: 3, // the decorator over defaults
      resetTimeoutMs: 1_000, // the decorator over defaults
      timeoutMs: 100, // circuits[name] over the decorator
    });
  });

  it('builds every circuits[name] circuit at start-up, and getOrCreate follows the same order', async () => {
    app = await startContext({
      imports: [
        CircuitBreakerModule.forRoot({
          defaults: { failureThreshold: 4 },
          circuits: { billing: { resetTimeoutMs: 5_000 }, late: { failureThreshold: 9 } },
        }),
      ],
    });
    const registry = app.get(CircuitBreakerRegistry);
    expect(registry.names()).toEqual(['billing', 'late']);
    expect(registry.get('billing')!.options).toMatchObject({
      failureThreshold: 4,
      resetTimeoutMs: 5_000,
    });
    expect(registry.getOrCreate('adhoc', { failureThreshold: 2 }).options.failureThreshold).toBe(2);
    registry.remove('late');
    expect(registry.getOrCreate('late', { failureThreshold: 2 }).options.failureThreshold).toBe(9);
  });

  it('forRootAsync takes its options from a factory with imports and inject', async () => {
    app = await startContext({
      imports: [
        CircuitBreakerModule.forRootAsync({
          imports: [SettingsModule],
          inject: [SETTINGS],
          useFactory: (settings: { threshold: number }) => ({
            defaults: { failureThreshold: settings.threshold },
          }),
        }),
      ],
      providers: [{ provide: 'probe', useFactory: () => 1 }],
    });
    const registry = app.get(CircuitBreakerRegistry);
    expect(registry.getOrCreate('any').options.failureThreshold).toBe(7);
  });

  it('is global: a module that does not import it injects the registry', async () => {
    app = await startContext({ imports: [CircuitBreakerModule.forRoot(), FeatureModule] });
    expect(app.get(Reporter).circuits).toBe(app.get(CircuitBreakerRegistry));
  });

  it.each([
    [{ defaults: { failureThreshold: -1 } }, 'defaults', 'failureThreshold'],
    [{ circuits: { billing: { jitter: 2 } } }, 'billing', 'jitter'],
    [{ circuits: { billing: { windowMs: 'ten' } } }, 'billing', 'windowMs'],
  ])(
    'fails start-up for bad options, naming circuit and option (%j)',
    async (options, circuit, option) => {
      const error = await startContext({
        imports: [CircuitBreakerModule.forRoot(options as never)],
      }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(CircuitOptionsError);
      expect(error).toMatchObject({ circuit, option });
    },
  );

  it('fails start-up for bad options from forRootAsync too', async () => {
    await expect(
      startContext({
        imports: [
          CircuitBreakerModule.forRootAsync({
            useFactory: async () => ({ defaults: { halfOpenMaxCalls: 0 } }),
          }),
        ],
      }),
    ).rejects.toThrow(
      'Circuit "defaults": option "halfOpenMaxCalls" must be an integer ≥ 1, got 0',
    );
  });
});

describe('CircuitBreakerRegistry', () => {
  let app: INestApplicationContext;
  let registry: CircuitBreakerRegistry;
  beforeEach(async () => {
    app = await startContext({
      imports: [CircuitBreakerModule.forRoot({ circuits: { a: {}, b: {} } })],
    });
    registry = app.get(CircuitBreakerRegistry);
  });
  afterEach(() => app.close());

  it('holds one circuit per name, with every member', async () => {
    const c = registry.getOrCreate('c', { failureThreshold: 1 });
    expect(registry.getOrCreate('c')).toBe(c);
    expect(registry.has('c')).toBe(true);
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.names()).toEqual(['a', 'b', 'c']);
    expect(registry.all().map((circuit) => circuit.name)).toEqual(['a', 'b', 'c']);
    expect(registry.stats().map((stats) => stats.state)).toEqual(['closed', 'closed', 'closed']);

    await expect(c.execute(async () => Promise.reject(new Error('down')))).rejects.toThrow();
    registry.forceOpen('a');
    registry.disable('b');
    expect(registry.openCircuits()).toEqual(['a', 'c']);
    registry.release('a');
    registry.reset('c');
    expect(registry.openCircuits()).toEqual([]);
    expect(registry.get('b')!.state).toBe(CircuitState.Disabled);
    registry.forceOpen('a');
    registry.resetAll();
    expect(registry.stats().map((stats) => stats.state)).toEqual(['closed', 'closed', 'closed']);
    expect(registry.remove('c')).toBe(true);
    expect(registry.has('c')).toBe(false);
  });

  it('throws UnknownCircuitError (404) for a command on an unknown name', () => {
    for (const command of ['reset', 'forceOpen', 'disable', 'release'] as const) {
      expect(() => registry[command]('nope')).toThrow(
        expect.objectContaining({ name: 'UnknownCircuitError' }),
      );
    }
    try {
      registry.reset('nope');
    } catch (error) {
      expect((error as { getStatus(): number }).getStatus()).toBe(404);
    }
  });

  it('events$ tells every state change of every circuit: { circuit, from, to, at, reason }', async () => {
    const changes: CircuitStateChange[] = [];
    const subscription = registry.events$.subscribe((change) => changes.push(change));
    registry.forceOpen('a');
    const later = registry.getOrCreate('later', { failureThreshold: 1 });
    await expect(later.execute(async () => Promise.reject(new Error('down')))).rejects.toThrow();
    registry.reset('later');
    registry.remove('a');
    registry.getOrCreate('a').forceOpen(); // a new circuit named a
    subscription.unsubscribe();
    expect(changes.map(({ circuit, from, to, reason }) => [circuit, from, to, reason])).toEqual([
      ['a', 'closed', 'forced_open', 'forced_open'],
      ['later', 'closed', 'open', 'consecutive_failures'],
      ['later', 'open', 'closed', 'reset'],
      ['a', 'closed', 'forced_open', 'forced_open'],
    ]);
    expect(changes[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe('CircuitBreakerRegistry in a service', () => {
  it('is injectable anywhere', async () => {
    @Injectable()
    class Service {
      constructor(@Inject(CircuitBreakerRegistry) readonly registry: CircuitBreakerRegistry) {}
    }
    const app = await startContext({
      imports: [CircuitBreakerModule.forRoot()],
      providers: [Service],
    });
    expect(app.get(Service).registry).toBe(app.get(CircuitBreakerRegistry));
    await app.close();
  });
});
