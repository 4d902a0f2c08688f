import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { CircuitBreakerRegistryOptions } from '../core/circuit-breaker-registry-options.interface.js';
import { CIRCUIT_BREAKER_OPTIONS } from '../core/circuit-breaker.constants.js';
import { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import type { CircuitBreakerMetricsOptions } from './circuit-breaker-metrics-options.interface.js';
import { attachExporter, loadPeer } from './metrics-exporter.js';
import { PrometheusMetrics } from './prometheus-metrics.js';
import { resolveMetricsOptions, type ResolvedMetricsOptions } from './resolve-metrics-options.js';

/**
 * The Prometheus metrics of every circuit, when the module's `metrics` option asks for them.
 * Without it this does nothing and prom-client is never loaded.
 */
@Injectable()
export class CircuitBreakerMetrics implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CircuitBreakerMetrics');
  private readonly options: ResolvedMetricsOptions | undefined;
  private detach: (() => void) | undefined;

  constructor(
    @Inject(CIRCUIT_BREAKER_OPTIONS)
    {
      metrics,
      maxCircuits,
    }: CircuitBreakerRegistryOptions & { metrics?: CircuitBreakerMetricsOptions },
    private readonly circuits: CircuitBreakerRegistry,
  ) {
    this.options = metrics === undefined ? undefined : resolveMetricsOptions(metrics, maxCircuits);
  }

  async onModuleInit(): Promise<void> {
    if (this.options === undefined) return;
    const client = await loadPeer('metrics', 'prom-client', () => import('prom-client'));
    const metrics = new PrometheusMetrics(client, this.options, (message) =>
      this.logger.warn(message),
    );
    this.detach = attachExporter(this.circuits, metrics);
  }

  onApplicationShutdown(): void {
    this.detach?.();
    this.detach = undefined;
  }
}
