import { Inject, Injectable } from '@nestjs/common';
import { CIRCUIT_BREAKER_OPTIONS } from '../core/circuit-breaker.constants.js';
import { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import type { CircuitBreakerOpenTelemetryOptions } from './circuit-breaker-opentelemetry-options.interface.js';
import { loadPeer } from '../core/load-peer.js';
import { MetricsExporterProvider, type MetricsExporter } from './metrics-exporter.js';
import { OpenTelemetryMetrics } from './opentelemetry-metrics.js';
import {
  resolveOpenTelemetryOptions,
  type ResolvedOpenTelemetryOptions,
} from './resolve-opentelemetry-options.js';

/**
 * The OpenTelemetry metrics of every circuit, when the module's `openTelemetry` option asks for
 * them. Without it this does nothing and `@opentelemetry/api` is never loaded. Independent of
 * the Prometheus metrics (`CircuitBreakerMetrics`): each has its own tallies.
 */
@Injectable()
export class CircuitBreakerOpenTelemetryMetrics extends MetricsExporterProvider<ResolvedOpenTelemetryOptions> {
  constructor(
    @Inject(CIRCUIT_BREAKER_OPTIONS)
    { openTelemetry }: { openTelemetry?: CircuitBreakerOpenTelemetryOptions },
    circuits: CircuitBreakerRegistry,
  ) {
    super(
      'CircuitBreakerOpenTelemetryMetrics',
      circuits,
      openTelemetry === undefined
        ? undefined
        : resolveOpenTelemetryOptions(openTelemetry, circuits.maxCircuits),
    );
  }

  protected override async create(
    options: ResolvedOpenTelemetryOptions,
    warn: (message: string) => void,
  ): Promise<MetricsExporter> {
    const api = await loadPeer(
      'openTelemetry',
      '@opentelemetry/api',
      () => import('@opentelemetry/api'),
    );
    return new OpenTelemetryMetrics(api, options, warn);
  }
}
