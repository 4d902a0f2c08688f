import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { CircuitBreakerModule } from 'nestjs-circuit-breaker';
import { sampleConfig, type SampleConfig } from './config.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { CircuitsController } from './orders/circuits.controller.js';
import { InventoryClient } from './orders/inventory.client.js';
import { OrdersController } from './orders/orders.controller.js';

/** The orders app: its calls to the inventory and one of its routes sit behind circuits. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: [sampleConfig] }),
    HttpModule,
    TerminusModule,
    CircuitBreakerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const { circuits, inventoryPort, webhookPort, notifyMinIntervalMs } =
          config.getOrThrow<SampleConfig>('sample');
        return {
          defaults: {
            failureThreshold: circuits.failureThreshold,
            resetTimeoutMs: circuits.resetTimeoutMs,
          },
          // Every HttpService request goes through the circuit of its origin, named
          // `outbound:<origin>`; the inventory's has options of its own. A timeout aborts the
          // request.
          outbound: {
            httpService: true,
            origins: {
              [`http://127.0.0.1:${inventoryPort}`]: {
                timeoutMs: circuits.timeoutMs,
                failureRateThreshold: 0.5,
                minimumThroughput: 10,
              },
            },
          },
          metrics: {}, // Prometheus, served at GET /metrics
          // A POST per state change, to the webhook main.ts starts (it prints each one).
          notifications: {
            webhooks: [{ url: `http://127.0.0.1:${webhookPort}/circuit-events` }],
            minIntervalMs: notifyMinIntervalMs,
          },
        };
      },
      // The admin API and dashboard at /circuit-breakers. Unguarded (`public: true`) only
      // because this demo listens on 127.0.0.1 alone: anyone who can reach the admin API can
      // force circuits open. A real app passes its auth guard: `admin: { guards: [...] }`.
      admin: { public: true },
    }),
  ],
  controllers: [OrdersController, CircuitsController, HealthController, MetricsController],
  providers: [InventoryClient],
})
export class AppModule {}
