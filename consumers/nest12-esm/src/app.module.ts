import { Module } from '@nestjs/common';
import { CircuitBreakerModule } from 'nestjs-circuit-breaker';
import { AdminGuard } from './admin.guard.js';
import { CatalogClient } from './catalog.client.js';
import { CatalogController } from './catalog.controller.js';
import { HealthModule } from './health.module.js';
import { MetricsController, metricsRegistry } from './metrics.js';
import { Upstream } from './upstream.js';

@Module({
  imports: [
    CircuitBreakerModule.forRoot({
      admin: { guards: [AdminGuard] }, // /circuit-breakers, for operators only
      metrics: { registry: metricsRegistry },
    }),
    HealthModule,
  ],
  controllers: [CatalogController, MetricsController],
  providers: [Upstream, CatalogClient],
})
export class AppModule {}
