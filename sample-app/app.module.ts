import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CircuitBreakerModule } from 'nestjs-circuit-breaker';
import { SAMPLE_CONFIG, type SampleConfig } from './config.js';
import { HealthController } from './health/health.controller.js';
import { CircuitsController } from './orders/circuits.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { InventoryClient } from './orders/inventory.client.js';
import { OrdersController } from './orders/orders.controller.js';

@Global()
@Module({})
class ConfigModule {
  static with(config: SampleConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: SAMPLE_CONFIG, useValue: config }],
      exports: [SAMPLE_CONFIG],
    };
  }
}

/** The orders app: its inventory client and one of its routes sit behind circuits. */
@Module({})
export class AppModule {
  static with(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.with(config),
        TerminusModule,
        CircuitBreakerModule.forRootAsync({
          inject: [SAMPLE_CONFIG],
          useFactory: ({ failureThreshold, resetTimeoutMs, timeoutMs }: SampleConfig) => ({
            defaults: { failureThreshold, resetTimeoutMs },
            circuits: {
              inventory: { timeoutMs, failureRateThreshold: 0.5, minimumThroughput: 10 },
            },
            metrics: {}, // Prometheus, served at GET /metrics
          }),
          // The admin API and dashboard at /circuit-breakers. Unguarded (`public: true`) only
          // because this demo listens on 127.0.0.1 alone: anyone who can reach the admin API can
          // force circuits open. A real app passes its auth guard: `admin: { guards: [...] }`.
          admin: { public: true },
        }),
      ],
      controllers: [OrdersController, CircuitsController, HealthController, MetricsController],
      providers: [InventoryClient],
    };
  }
}
