import { Controller, Get, Injectable, Module, Param } from '@nestjs/common';
import {
  CircuitBreaker,
  CircuitBreakerHealthIndicator,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOptionsError,
  DEFAULT_CIRCUIT_OPTIONS,
  type CircuitBreakerModuleOptions,
} from '../../lib/index.js';
import { freezeEngineClock } from './support/engine-clock.js';
import { moduleOf, startApp, startupError, type RunningApp } from './support/start-app.js';

/** A dependency that fails on demand, behind decorated methods and a decorated route. */
@Injectable()
class Upstream {
  static failing = false;

  @CircuitBreaker({ name: 'search', failureThreshold: 3, resetTimeoutMs: 4_000 })
  async search(): Promise<string> {
    return Upstream.answer();
  }

  @CircuitBreaker()
  async plain(): Promise<string> {
    return Upstream.answer();
  }

  static answer(): string {
    if (Upstream.failing) throw new Error('upstream down');
    return 'ok';
  }
}

@Controller()
class UpstreamController {
  constructor(private readonly upstream: Upstream) {}

  @Get('search')
  search() {
    return this.upstream.search();
  }

  @Get('plain')
  plain() {
    return this.upstream.plain();
  }

  @Get('route')
  @CircuitBreaker({ name: 'route', failureThreshold: 2 })
  route(): string {
    return Upstream.answer();
  }
}

/**
 * Requests to `path` until it answers 503: how many failed first, and the Retry-After. The
 * engine's clock (the monotonic performance.now()) stands still meanwhile: Retry-After is then
 * the whole open period, however long the machine takes between the opening and the refusal.
 */
async function openUp(running: RunningApp, path: string) {
  const clock = freezeEngineClock();
  try {
    let failures = 0;
    for (;;) {
      const response = await fetch(`${running.url}${path}`);
      if (response.status === 503)
        return { failures, retryAfter: response.headers.get('retry-after') };
      expect(response.status).toBe(500);
      if (++failures > 20) throw new Error(`${path} never opened`);
    }
  } finally {
    clock.restore();
  }
}

function appWith(circuitBreakerModule: ReturnType<typeof CircuitBreakerModule.forRoot>) {
  return moduleOf({
    imports: [circuitBreakerModule],
    controllers: [UpstreamController],
    providers: [Upstream],
  });
}

describe('CircuitBreakerModule options', () => {
  let running: RunningApp | undefined;
  beforeEach(() => (Upstream.failing = false));
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('forRoot() needs no argument: circuits get the built-in defaults', async () => {
    running = await startApp(appWith(CircuitBreakerModule.forRoot()));
    expect(running.get(CircuitBreakerRegistry).get('Upstream.plain')!.options).toEqual(
      DEFAULT_CIRCUIT_OPTIONS,
    );
    Upstream.failing = true;
    expect(await openUp(running, '/plain')).toEqual({ failures: 5, retryAfter: '30' });
  });

  it('applies them in rising precedence: built-in < defaults < decorator < circuits[name]', async () => {
    running = await startApp(
      appWith(
        CircuitBreakerModule.forRoot({
          defaults: { failureThreshold: 4, resetTimeoutMs: 9_000, halfOpenMaxCalls: 2 },
          circuits: { search: { resetTimeoutMs: 2_000 }, route: { failureThreshold: 1 } },
        }),
      ),
    );
    expect(running.get(CircuitBreakerRegistry).get('search')!.options).toMatchObject({
      successThreshold: 1, // built-in
      halfOpenMaxCalls: 2, // defaults over built-in
      failureThreshold: 3, // the decorator over defaults
      resetTimeoutMs: 2_000, // circuits[name] over the decorator
    });
    Upstream.failing = true;
    expect(await openUp(running, '/search')).toEqual({ failures: 3, retryAfter: '2' });
    expect(await openUp(running, '/plain')).toEqual({ failures: 4, retryAfter: '9' });
    expect(await openUp(running, '/route')).toEqual({ failures: 1, retryAfter: '9' });
  });

  it('builds every circuits[name] circuit at start-up; getOrCreate follows the same precedence', async () => {
    running = await startApp(
      moduleOf({
        imports: [
          CircuitBreakerModule.forRoot({
            defaults: { failureThreshold: 4 },
            circuits: { billing: { resetTimeoutMs: 5_000 }, late: { failureThreshold: 9 } },
          }),
        ],
      }),
    );
    const registry = running.get(CircuitBreakerRegistry);
    expect(registry.names()).toEqual(['billing', 'late']);
    expect(registry.get('billing')!.options).toMatchObject({
      failureThreshold: 4,
      resetTimeoutMs: 5_000,
    });
    expect(registry.getOrCreate('adhoc', { failureThreshold: 2 }).options.failureThreshold).toBe(2);
    expect(registry.getOrCreate('other').options.failureThreshold).toBe(4);
    registry.remove('late');
    expect(registry.getOrCreate('late', { failureThreshold: 2 }).options.failureThreshold).toBe(9);
  });

  it('lets circuits[name] complete what the decorator gives (a slow-call rate for its slowCallDurationMs)', async () => {
    @Injectable()
    class Timed {
      @CircuitBreaker({ name: 'timed', slowCallDurationMs: 1_000 })
      async call(): Promise<void> {}
    }
    running = await startApp(
      moduleOf({
        imports: [
          CircuitBreakerModule.forRoot({
            circuits: { timed: { slowCallRateThreshold: 0.5, minimumThroughput: 4 } },
          }),
        ],
        providers: [Timed],
      }),
    );
    expect(running.get(CircuitBreakerRegistry).get('timed')!.options).toMatchObject({
      slowCallDurationMs: 1_000,
      slowCallRateThreshold: 0.5,
      minimumThroughput: 4,
    });
  });

  it('forRootAsync({ imports, useFactory, inject }) takes them from an injected provider', async () => {
    @Injectable()
    class Environment {
      get(key: string): string | undefined {
        return { CIRCUIT_FAILURE_THRESHOLD: '2', CIRCUIT_RESET_TIMEOUT_MS: '7000' }[key];
      }
    }
    @Injectable()
    class CircuitSettings {
      constructor(private readonly environment: Environment) {}
      async load(): Promise<CircuitBreakerModuleOptions> {
        await new Promise((resolve) => setTimeout(resolve, 5)); // e.g. read from a config server
        return {
          defaults: { failureThreshold: Number(this.environment.get('CIRCUIT_FAILURE_THRESHOLD')) },
          circuits: {
            search: { resetTimeoutMs: Number(this.environment.get('CIRCUIT_RESET_TIMEOUT_MS')) },
          },
        };
      }
    }
    @Module({ providers: [Environment, CircuitSettings], exports: [CircuitSettings] })
    class SettingsModule {}

    running = await startApp(
      appWith(
        CircuitBreakerModule.forRootAsync({
          imports: [SettingsModule],
          inject: [CircuitSettings],
          useFactory: (settings: CircuitSettings) => settings.load(),
        }),
      ),
    );
    Upstream.failing = true;
    expect(await openUp(running, '/plain')).toEqual({ failures: 2, retryAfter: '30' });
    expect(await openUp(running, '/search')).toEqual({ failures: 3, retryAfter: '7' });
  });

  it('forRootAsync takes useClass and useExisting, as ConfigurableModuleBuilder does', async () => {
    @Injectable()
    class OptionsFactory {
      create(): CircuitBreakerModuleOptions {
        return { defaults: { failureThreshold: 3 } };
      }
    }
    @Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
    class FactoryModule {}

    running = await startApp(
      appWith(CircuitBreakerModule.forRootAsync({ useClass: OptionsFactory })),
    );
    Upstream.failing = true;
    expect((await openUp(running, '/plain')).failures).toBe(3);
    await running.close();

    running = await startApp(
      appWith(
        CircuitBreakerModule.forRootAsync({
          imports: [FactoryModule],
          useExisting: OptionsFactory,
        }),
      ),
    );
    expect((await openUp(running, '/plain')).failures).toBe(3);
  });
});

describe('CircuitBreakerModule is global by default', () => {
  @Injectable()
  class Reporter {
    constructor(
      readonly registry: CircuitBreakerRegistry,
      readonly health: CircuitBreakerHealthIndicator,
    ) {}
  }
  @Controller('report')
  class ReportController {
    constructor(private readonly reporter: Reporter) {}

    @Get(':name')
    report(@Param('name') name: string) {
      return { known: this.reporter.registry.has(name), names: this.reporter.registry.names() };
    }
  }
  /** A feature module that does not import CircuitBreakerModule. */
  @Module({ controllers: [ReportController], providers: [Reporter] })
  class FeatureModule {}

  it('lets a module that does not import it inject the registry and the health indicator', async () => {
    const running = await startApp(
      moduleOf({
        imports: [CircuitBreakerModule.forRoot({ circuits: { billing: {} } }), FeatureModule],
      }),
    );
    try {
      expect(await (await fetch(`${running.url}/report/billing`)).json()).toEqual({
        known: true,
        names: ['billing'],
      });
      expect(running.get(Reporter).registry).toBe(running.get(CircuitBreakerRegistry));
    } finally {
      await running.close();
    }
  });

  it('is not global with isGlobal: false', async () => {
    const error = await startupError(
      moduleOf({ imports: [CircuitBreakerModule.forRoot({ isGlobal: false }), FeatureModule] }),
    );
    expect(String(error)).toMatch(/can't resolve dependencies of the Reporter/);
  });
});

describe('invalid options fail start-up with CircuitOptionsError, naming circuit and option', () => {
  @Injectable()
  class BadDecorator {
    @CircuitBreaker({ name: 'decorated', resetTimeoutMs: -5 })
    async call(): Promise<void> {}
  }

  it.each<[string, CircuitBreakerModuleOptions, string, string, unknown]>([
    [
      'a negative threshold',
      { defaults: { failureThreshold: -1 } },
      'defaults',
      'failureThreshold',
      -1,
    ],
    ['NaN', { defaults: { timeoutMs: NaN } }, 'defaults', 'timeoutMs', NaN],
    [
      'a ratio out of range',
      { circuits: { billing: { failureRateThreshold: 1.5 } } },
      'billing',
      'failureRateThreshold',
      1.5,
    ],
    [
      'a wrong type',
      { circuits: { billing: { windowMs: 'ten' as never } } },
      'billing',
      'windowMs',
      'ten',
    ],
    [
      'an unknown option',
      { circuits: { billing: { failureTreshold: 3 } as never } },
      'billing',
      'failureTreshold',
      3,
    ],
    [
      'a rate without its duration',
      { circuits: { billing: { slowCallRateThreshold: 0.5 } } },
      'billing',
      'slowCallRateThreshold',
      0.5,
    ],
    ['a jitter above 1', { circuits: { billing: { jitter: 2 } } }, 'billing', 'jitter', 2],
  ])('%s', async (_case, options, circuit, option, value) => {
    const error = await startupError(
      moduleOf({ imports: [CircuitBreakerModule.forRoot(options)] }),
    );
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect(error).toMatchObject({ circuit, option, value });
    expect((error as Error).message).toMatch(
      new RegExp(`^Circuit "${circuit}": option "${option}" must be`),
    );
  });

  it('from a decorator', async () => {
    const error = await startupError(
      moduleOf({ imports: [CircuitBreakerModule.forRoot()], providers: [BadDecorator] }),
    );
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect(error).toMatchObject({ circuit: 'decorated', option: 'resetTimeoutMs', value: -5 });
  });

  it('from forRootAsync', async () => {
    const error = await startupError(
      moduleOf({
        imports: [
          CircuitBreakerModule.forRootAsync({
            useFactory: async () => ({ defaults: { halfOpenMaxCalls: 0 } }),
          }),
        ],
      }),
      'fastify',
    );
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect((error as Error).message).toBe(
      'Circuit "defaults": option "halfOpenMaxCalls" must be an integer ≥ 1, got 0',
    );
  });
});
