import { Inject, Injectable } from '@nestjs/common';
import { CIRCUIT_BREAKER_OPTIONS } from '../core/circuit-breaker.constants.js';
import { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import type { CircuitBreakerMetricsOptions } from './circuit-breaker-metrics-options.interface.js';
import { loadPeer, MetricsExporterProvider, type MetricsExporter } from './metrics-exporter.js';
import { PrometheusMetrics } from './prometheus-metrics.js';
import { resolveMetricsOptions, type ResolvedMetricsOptions } from './resolve-metrics-options.js';

/**
 * The Prometheus metrics of every circuit, when the module's `metrics` option asks for them.
 * Without it this does nothing and prom-client is never loaded.
 */
@Injectable()
export class CircuitBreakerMetrics extends MetricsExporterProvider<ResolvedMetricsOptions> {
  constructor(
    @Inject(CIRCUIT_BREAKER_OPTIONS) { metrics }: { metrics?: CircuitBreakerMetricsOptions },
    circuits: CircuitBreakerRegistry,
  ) {
    super(
      'CircuitBreakerMetrics',
      circuits,
      metrics === undefined ? undefined : resolveMetricsOptions(metrics, circuits.maxCircuits),
    );
  }

  protected override async create(
    options: ResolvedMetricsOptions,
    warn: (message: string) => void,
  ): Promise<MetricsExporter> {
    const client = await loadPeer('metrics', 'prom-client', () => import('prom-client'));
    return new PrometheusMetrics(client, options, warn);
  }
}
