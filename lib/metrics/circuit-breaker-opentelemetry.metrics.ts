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
import type { CircuitBreakerOpenTelemetryOptions } from './circuit-breaker-opentelemetry-options.interface.js';
import { attachExporter, loadPeer } from './metrics-exporter.js';
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
export class CircuitBreakerOpenTelemetryMetrics implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CircuitBreakerOpenTelemetryMetrics');
  private readonly options: ResolvedOpenTelemetryOptions | undefined;
  private detach: (() => void) | undefined;

  constructor(
    @Inject(CIRCUIT_BREAKER_OPTIONS)
    {
      openTelemetry,
      maxCircuits,
    }: CircuitBreakerRegistryOptions & { openTelemetry?: CircuitBreakerOpenTelemetryOptions },
    private readonly circuits: CircuitBreakerRegistry,
  ) {
    this.options =
      openTelemetry === undefined
        ? undefined
        : resolveOpenTelemetryOptions(openTelemetry, maxCircuits);
  }

  async onModuleInit(): Promise<void> {
    if (this.options === undefined) return;
    const api = await loadPeer(
      'openTelemetry',
      '@opentelemetry/api',
      () => import('@opentelemetry/api'),
    );
    const metrics = new OpenTelemetryMetrics(api, this.options, (message) =>
      this.logger.warn(message),
    );
    this.detach = attachExporter(this.circuits, metrics);
  }

  onApplicationShutdown(): void {
    this.detach?.();
    this.detach = undefined;
  }
}
