import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CircuitBreakerModule } from 'nestjs-circuit-breaker';
import { AdminGuard } from './admin.guard.js';
import { CatalogClient } from './catalog.client.js';
import { CatalogController } from './catalog.controller.js';
import { HealthController } from './health.controller.js';
import { MetricsController, metricsRegistry } from './metrics.js';
import { Upstream } from './upstream.js';

@Module({
  imports: [
    TerminusModule,
    CircuitBreakerModule.forRoot({
      admin: { guards: [AdminGuard] }, // /circuit-breakers, for operators only
      metrics: { registry: metricsRegistry },
    }),
  ],
  controllers: [CatalogController, HealthController, MetricsController],
  providers: [Upstream, CatalogClient],
})
export class AppModule {}
