import { Controller, Get, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Registry } from 'prom-client';
import {
  CircuitBreakerHealthIndicator,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitState,
} from '../../lib/index.js';
import { startApp, type RunningApp } from './support/start-app.js';

// API.md: every valid name works, including `constructor` or `__proto__`: names that are keys of
// Object.prototype once broke option look-ups ("got [Function: Object]") and the health check's
// details (a circuit named __proto__ listed as open, missing from the details).

const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly circuits: CircuitBreakerHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.circuits.isHealthy('circuits')]);
  }
}

const metrics = new Registry();

@Module({
  imports: [
    TerminusModule,
    CircuitBreakerModule.forRoot({
      circuits: { payments: { failureThreshold: 2 } }, // any circuits configured
      metrics: { registry: metrics },
      admin: { public: true },
    }),
  ],
  controllers: [HealthController],
})
class AppModule {}

describe('circuit names that are keys of Object.prototype', () => {
  let running: RunningApp;
  let registry: CircuitBreakerRegistry;
  beforeAll(async () => {
    running = await startApp(AppModule);
    registry = running.get(CircuitBreakerRegistry);
  });
  afterAll(() => running.close());

  it.each(NAMES)(
    'getOrCreate(%p) builds a circuit with the defaults, not Object’s members',
    (name) => {
      const circuit = registry.getOrCreate(name);
      expect(circuit.name).toBe(name);
      expect(circuit.options.failureThreshold).toBe(5);
      expect(registry.get(name)).toBe(circuit);
      expect(registry.names()).toContain(name);
    },
  );

  it('takes per-circuit options for such a name when they are really given', async () => {
    const app = await startApp(
      (() => {
        const circuits = JSON.parse(
          '{"__proto__": {"failureThreshold": 3}, "constructor": {"failureThreshold": 4}}',
        );
        @Module({ imports: [CircuitBreakerModule.forRoot({ circuits })] })
        class Configured {}
        return Configured;
      })(),
    );
    try {
      const own = app.get(CircuitBreakerRegistry);
      expect(own.get('__proto__')!.options.failureThreshold).toBe(3);
      expect(own.get('constructor')!.options.failureThreshold).toBe(4);
    } finally {
      await app.close();
    }
  });

  it('shows each in the health check’s details and open list, as its own entry', async () => {
    for (const name of NAMES) registry.getOrCreate(name);
    registry.forceOpen('__proto__');
    const response = await fetch(`${running.url}/health`);
    expect(response.status).toBe(503);
    const body = JSON.parse(await response.text()) as {
      error: { circuits: { open: string[]; circuits: Record<string, { state: string }> } };
    };
    const { open, circuits } = body.error.circuits;
    expect(open).toEqual(['__proto__']);
    expect(Object.keys(circuits).sort()).toEqual(['payments', ...NAMES].sort());
    expect(Object.getOwnPropertyDescriptor(circuits, '__proto__')?.value).toMatchObject({
      state: 'forced_open',
    });
    registry.release('__proto__');
  });

  it('serves each through the admin API', async () => {
    registry.getOrCreate('constructor');
    const admin = `${running.url}/circuit-breakers`;
    const forced = await fetch(`${admin}/constructor/force-open`, { method: 'POST' });
    expect(forced.status).toBe(200);
    expect(await forced.json()).toMatchObject({ name: 'constructor', state: 'forced_open' });
    expect(registry.get('constructor')!.state).toBe(CircuitState.ForcedOpen);
    const one = await fetch(`${admin}/__proto__`);
    expect(await one.json()).toMatchObject({ name: '__proto__' });
    await fetch(`${admin}/constructor/release`, { method: 'POST' });
  });

  it('gives each its metrics series', async () => {
    for (const name of NAMES) registry.getOrCreate(name);
    const scrape = await metrics.metrics();
    for (const name of NAMES) {
      expect(scrape).toContain(`circuit_breaker_state{circuit="${name}",state="closed"} 1`);
    }
  });
});
