import { jest } from '@jest/globals';
import { Controller, Get, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import {
  CircuitBreakerHealthIndicator,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  type HalfOpenHealth,
} from '../../lib/index.js';
import { startApp, type RunningApp } from './support/start-app.js';

@Controller('health')
class HealthController {
  static halfOpen: HalfOpenHealth | undefined;
  constructor(
    private readonly health: HealthCheckService,
    private readonly circuits: CircuitBreakerHealthIndicator,
  ) {}

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.circuits.isHealthy('circuits', { halfOpen: HealthController.halfOpen }),
    ]);
  }

  @Get('payments')
  @HealthCheck()
  payments() {
    return this.health.check([
      () => this.circuits.isHealthy(undefined, { circuits: ['payments'] }),
    ]);
  }
}

@Module({
  imports: [
    TerminusModule,
    CircuitBreakerModule.forRoot({
      circuits: { payments: { failureThreshold: 1, resetTimeoutMs: 1_000 }, search: {} },
    }),
  ],
  controllers: [HealthController],
})
class AppModule {}

describe('CircuitBreakerHealthIndicator through Terminus’s HealthCheckService', () => {
  let running: RunningApp;
  let registry: CircuitBreakerRegistry;
  beforeEach(async () => {
    HealthController.halfOpen = undefined;
    running = await startApp(AppModule);
    registry = running.get(CircuitBreakerRegistry);
  });
  afterEach(() => running.close());

  const check = async (path = '/health/ready') => {
    const response = await fetch(`${running.url}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('is up while every circuit is closed, with each circuit’s state and retryAfterMs', async () => {
    const { status, body } = await check();
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      info: {
        circuits: {
          status: 'up',
          open: [],
          circuits: {
            payments: { state: 'closed', retryAfterMs: 0 },
            search: { state: 'closed', retryAfterMs: 0 },
          },
        },
      },
    });
  });

  it('is down (503) while a circuit is open or forced open, listing them, never an error message', async () => {
    const payments = registry.get('payments')!;
    await expect(
      payments.execute(async () => Promise.reject(new Error('secret upstream detail'))),
    ).rejects.toThrow();
    registry.forceOpen('search');
    const { status, body } = await check();
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: 'error',
      error: {
        circuits: {
          status: 'down',
          open: ['payments', 'search'],
          circuits: {
            payments: { state: 'open', retryAfterMs: expect.any(Number) },
            search: { state: 'forced_open', retryAfterMs: 0 },
          },
        },
      },
    });
    expect(JSON.stringify(body)).not.toContain('secret upstream detail');
  });

  it('is degraded (still 200) while a circuit is half-open, or as configured', async () => {
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'queueMicrotask',
        'setTimeout',
        'setInterval',
        'clearTimeout',
        'clearInterval',
      ],
    });
    try {
      const payments = registry.get('payments')!;
      await expect(
        payments.execute(async () => Promise.reject(new Error('down'))),
      ).rejects.toThrow();
      jest.setSystemTime(Date.now() + 1_000); // the open duration has passed: half-open
      let result = await check();
      expect(result.status).toBe(200);
      expect(JSON.stringify(result.body)).toContain('"status":"degraded"');
      expect(result.body).toMatchObject({
        details: { circuits: { circuits: { payments: { state: 'half_open' } } } },
      });
      HealthController.halfOpen = 'down';
      expect((await check()).status).toBe(503);
      HealthController.halfOpen = 'up';
      result = await check();
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ info: { circuits: { status: 'up' } } });
    } finally {
      jest.useRealTimers();
    }
  });

  it('looks only at the circuits it is given, under the default key', async () => {
    registry.forceOpen('search');
    const { status, body } = await check('/health/payments');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      info: { circuit_breakers: { status: 'up', circuits: { payments: { state: 'closed' } } } },
    });
    expect(JSON.stringify(body)).not.toContain('search');
  });
});
