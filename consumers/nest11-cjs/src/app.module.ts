import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CircuitBreakerModule } from 'nestjs-circuit-breaker';
import { AdminGuard } from './admin.guard';
import { CatalogClient } from './catalog.client';
import { CatalogController } from './catalog.controller';
import { HealthController } from './health.controller';
import { MetricsController, metricsRegistry } from './metrics';
import { Upstream } from './upstream';

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
