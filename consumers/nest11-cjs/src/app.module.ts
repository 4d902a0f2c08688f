import { Module } from '@nestjs/common';
import { CircuitBreakerModule } from 'nestjs-circuit-breaker';
import { AdminGuard } from './admin.guard';
import { CatalogClient } from './catalog.client';
import { CatalogController } from './catalog.controller';
import { HealthModule } from './health.module';
import { MetricsController, metricsRegistry } from './metrics';
import { Upstream } from './upstream';

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
