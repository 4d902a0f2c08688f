import { Controller, Get, Res, UseGuards, type DynamicModule, type Type } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CIRCUIT_BREAKER_METRICS_ROUTE } from './circuit-breaker-metrics.constants.js';
import type { CircuitBreakerMetricsOptions } from './circuit-breaker-metrics-options.interface.js';
import { CircuitBreakerMetrics } from './circuit-breaker.metrics.js';
import { resolveMetricsRoute } from './resolve-metrics-options.js';
import { SkipCircuitBreaker } from '../core/skip-circuit-breaker.decorator.js';

/**
 * The module definition with the metrics route mounted when `metrics.path` is given: a
 * controller of its own per registration, guarded by `metrics.guards`, serving the registry's
 * Prometheus text. A controller must be known when the module is imported, so only `forRoot()`
 * options can mount one (see `CircuitBreakerMetrics` for `forRootAsync()`).
 */
export function withMetricsRoute(
  definition: DynamicModule,
  metrics: CircuitBreakerMetricsOptions | undefined,
): DynamicModule {
  if (metrics?.path === undefined) return definition;
  // Checked here, when forRoot() is called, so that a bad guard never reaches the controller.
  const { path, guards } = resolveMetricsRoute(metrics);
  return {
    ...definition,
    controllers: [...(definition.controllers ?? []), createMetricsController(path!, guards)],
    providers: [
      ...(definition.providers ?? []),
      { provide: CIRCUIT_BREAKER_METRICS_ROUTE, useValue: path },
    ],
  };
}

function createMetricsController(
  path: string,
  guards: Parameters<typeof UseGuards>,
): Type<unknown> {
  @Controller()
  @UseGuards(...guards)
  @SkipCircuitBreaker() // the library's own route: never behind a circuit of the interceptor
  class CircuitBreakerMetricsController {
    constructor(
      private readonly metrics: CircuitBreakerMetrics,
      private readonly adapterHost: HttpAdapterHost,
    ) {}

    /** What Prometheus scrapes, in the registry's own content type. */
    @Get(path)
    async scrape(@Res({ passthrough: true }) response: unknown): Promise<string> {
      const { contentType, text } = await this.metrics.scrape();
      this.adapterHost.httpAdapter.setHeader(response, 'Content-Type', contentType);
      return text;
    }
  }
  return CircuitBreakerMetricsController;
}
