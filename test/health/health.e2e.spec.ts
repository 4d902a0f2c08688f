import { Controller, Get, Module, Query } from '@nestjs/common';
import { jest } from '@jest/globals';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TerminusModule,
} from '@nestjs/terminus';
import {
  CircuitBreakerHealthIndicator,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  type HalfOpenHealth,
} from '../../lib/index.js';
import { sleep, startApp, type Adapter, type RunningApp } from '../core/support/start-app.js';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly circuits: CircuitBreakerHealthIndicator,
  ) {}

  /** Every circuit, under the key `circuits`; `?halfOpen=` sets how half-open is reported. */
  @Get('ready')
  @HealthCheck()
  ready(@Query('halfOpen') halfOpen?: HalfOpenHealth) {
    return this.health.check([() => this.circuits.isHealthy('circuits', { halfOpen })]);
  }

  /** The circuits named in `?circuits=a,b`, under the default key. */
  @Get('selected')
  @HealthCheck()
  selected(@Query('circuits') circuits: string) {
    return this.health.check([
      () => this.circuits.isHealthy(undefined, { circuits: circuits.split(',') }),
    ]);
  }
}

@Module({
  imports: [
    TerminusModule,
    CircuitBreakerModule.forRoot({
      circuits: {
        payments: { failureThreshold: 1, resetTimeoutMs: 60_000 },
        search: {},
        flaky: { failureThreshold: 1, resetTimeoutMs: 100 },
      },
    }),
  ],
  controllers: [HealthController],
})
class AppModule {}

const SECRET = 'password=hunter2 at db.internal:5432';

describe.each<Adapter>(['express', 'fastify'])(
  'CircuitBreakerHealthIndicator through Terminus’s HealthCheckService (%s)',
  (adapter) => {
    let running: RunningApp;
    let registry: CircuitBreakerRegistry;
    beforeEach(async () => {
      running = await startApp(AppModule, adapter);
      registry = running.get(CircuitBreakerRegistry);
    });
    afterEach(() => running.close());

    const check = async (path = '/health/ready') => {
      const response = await fetch(`${running.url}${path}`);
      const text = await response.text();
      return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
    };
    const fail = (name: string) =>
      expect(registry.get(name)!.execute(() => Promise.reject(new Error(SECRET)))).rejects.toThrow(
        SECRET,
      );

    it('is up (200) while every circuit is closed, with each circuit’s state and retryAfterMs', async () => {
      registry.disable('search'); // a disabled circuit lets calls through: up
      const { status, body } = await check();
      expect(status).toBe(200);
      const circuits = {
        status: 'up',
        open: [],
        circuits: {
          payments: { state: 'closed', retryAfterMs: 0 },
          search: { state: 'disabled', retryAfterMs: 0 },
          flaky: { state: 'closed', retryAfterMs: 0 },
        },
      };
      expect(body).toEqual({ status: 'ok', info: { circuits }, error: {}, details: { circuits } });
    });

    it('is down (503) while a circuit is open or forced open, listing them, with no error message', async () => {
      const tripped = performance.now();
      await fail('payments');
      registry.forceOpen('search');
      const { status, body, text } = await check();
      const elapsed = performance.now() - tripped;
      expect(status).toBe(503);
      const circuits = {
        status: 'down',
        open: ['payments', 'search'],
        circuits: {
          payments: { state: 'open', retryAfterMs: expect.any(Number) },
          search: { state: 'forced_open', retryAfterMs: 0 },
          flaky: { state: 'closed', retryAfterMs: 0 },
        },
      };
      expect(body).toEqual({
        status: 'error',
        info: {},
        error: { circuits },
        details: { circuits },
      });
      const { retryAfterMs } = (body as { details: { circuits: typeof circuits } }).details.circuits
        .circuits.payments as unknown as { retryAfterMs: number };
      // The time left of the 60 s open period, however long the machine took to answer.
      expect(retryAfterMs).toBeGreaterThanOrEqual(Math.floor(60_000 - elapsed - 1));
      expect(retryAfterMs).toBeLessThanOrEqual(60_000);
      expect(text).not.toContain('hunter2');
    });

    it('is down while only a forced-open circuit refuses calls', async () => {
      registry.forceOpen('search');
      const { status, body } = await check();
      expect(status).toBe(503);
      expect(body).toMatchObject({ error: { circuits: { status: 'down', open: ['search'] } } });
    });

    it('reports half-open as degraded (200) by default, or as configured: up, degraded or down', async () => {
      await fail('flaky');
      await sleep(120); // the open duration (100 ms) has passed: half-open
      const half = { flaky: { state: 'half_open', retryAfterMs: 0 } };

      const byDefault = await check();
      expect(byDefault.status).toBe(200);
      expect(byDefault.body).toMatchObject({
        details: { circuits: { status: 'degraded', open: [], circuits: half } },
      });

      const degraded = await check('/health/ready?halfOpen=degraded');
      expect(degraded.status).toBe(200);
      expect(degraded.body).toMatchObject({ details: { circuits: { status: 'degraded' } } });

      const up = await check('/health/ready?halfOpen=up');
      expect(up.status).toBe(200);
      expect(up.body).toMatchObject({ info: { circuits: { status: 'up', circuits: half } } });

      const down = await check('/health/ready?halfOpen=down');
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({
        status: 'error',
        error: { circuits: { status: 'down', open: [], circuits: half } },
      });

      expect(registry.get('flaky')!.state).toBe('half_open'); // checking let no probe through
    });

    it('on a Terminus without degraded (11), reports half-open as up, its state in the details', async () => {
      // Terminus 11's session has up() and down() only.
      const terminus11 = jest
        .spyOn(HealthIndicatorService.prototype, 'check')
        .mockImplementation((key: string) => {
          const result = (status: string) => (data: object) => ({ [key]: { status, ...data } });
          return { up: result('up'), down: result('down') } as never;
        });
      try {
        await fail('flaky');
        await sleep(120); // the open duration (100 ms) has passed: half-open
        const { status, body } = await check();
        expect(status).toBe(200);
        expect(body).toMatchObject({
          status: 'ok',
          info: { circuits: { status: 'up', circuits: { flaky: { state: 'half_open' } } } },
        });
        expect(terminus11).toHaveBeenCalled();
      } finally {
        terminus11.mockRestore();
      }
    });

    it('is down when a circuit is open even with another half-open', async () => {
      await fail('flaky');
      await fail('payments');
      await sleep(120);
      const { status, body } = await check('/health/ready?halfOpen=up');
      expect(status).toBe(503);
      expect(body).toMatchObject({ error: { circuits: { status: 'down', open: ['payments'] } } });
    });

    it('looks only at the circuits it is given, under the default key circuit_breakers', async () => {
      registry.forceOpen('search');
      const { status, body, text } = await check(
        '/health/selected?circuits=payments,flaky,unknown',
      );
      expect(status).toBe(200);
      expect(body).toMatchObject({
        info: {
          circuit_breakers: {
            status: 'up',
            open: [],
            circuits: {
              payments: { state: 'closed', retryAfterMs: 0 },
              flaky: { state: 'closed', retryAfterMs: 0 },
            },
          },
        },
      });
      expect(text).not.toContain('search');
      expect(text).not.toContain('unknown');

      const selectedOpen = await check('/health/selected?circuits=search');
      expect(selectedOpen.status).toBe(503);
      expect(selectedOpen.body).toMatchObject({
        error: { circuit_breakers: { status: 'down', open: ['search'] } },
      });
    });
  },
);
