import { Inject, Injectable, Optional } from '@nestjs/common';
import { CIRCUIT_BREAKER_OPTIONS } from '../core/circuit-breaker.constants.js';
import { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import { CIRCUIT_BREAKER_METRICS_ROUTE } from './circuit-breaker-metrics.constants.js';
import type { CircuitBreakerMetricsOptions } from './circuit-breaker-metrics-options.interface.js';
import { loadPeer } from '../core/load-peer.js';
import { MetricsExporterProvider, type MetricsExporter } from './metrics-exporter.js';
import { PrometheusMetrics, type PrometheusText } from './prometheus-metrics.js';
import { resolveMetricsOptions, type ResolvedMetricsOptions } from './resolve-metrics-options.js';

/**
 * The Prometheus metrics of every circuit, when the module's `metrics` option asks for them.
 * Without it this does nothing and prom-client is never loaded.
 */
@Injectable()
export class CircuitBreakerMetrics extends MetricsExporterProvider<ResolvedMetricsOptions> {
  private prometheus: PrometheusMetrics | undefined;

  constructor(
    @Inject(CIRCUIT_BREAKER_OPTIONS) { metrics }: { metrics?: CircuitBreakerMetricsOptions },
    circuits: CircuitBreakerRegistry,
    @Optional() @Inject(CIRCUIT_BREAKER_METRICS_ROUTE) mountedPath?: string,
  ) {
    const options =
      metrics === undefined ? undefined : resolveMetricsOptions(metrics, circuits.maxCircuits);
    if (options?.path !== undefined && mountedPath === undefined) {
      // forRootAsync(): the factory ran after Nest had read the module's controllers.
      throw new Error(
        `CircuitBreakerModule: metrics.path ('${options.path}') mounts a route, which must be ` +
          'known when the module is imported: give it to forRoot(), or leave it out of the ' +
          "forRootAsync() factory and serve the registry's metrics() from a controller of your own",
      );
    }
    super('CircuitBreakerMetrics', circuits, options);
  }

  /** The registry's Prometheus text and its content type: what the metrics route serves. */
  async scrape(): Promise<PrometheusText> {
    if (this.prometheus === undefined) throw new Error('The Prometheus metrics are not started');
    return this.prometheus.scrape();
  }

  protected override async create(
    options: ResolvedMetricsOptions,
    warn: (message: string) => void,
  ): Promise<MetricsExporter> {
    const client = await loadPeer('metrics', 'prom-client', () => import('prom-client'));
    return (this.prometheus = new PrometheusMetrics(client, options, warn));
  }
}
