import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import {
  CIRCUIT_BREAKER_ASYNC_OPTIONS_TYPE,
  CIRCUIT_BREAKER_OPTIONS_TYPE,
  ConfigurableCircuitBreakerModule,
} from './circuit-breaker.module-definition.js';
// The core…
import { CircuitBreakerMetadataAccessor } from './core/circuit-breaker-metadata.accessor.js';
import { CircuitBreakerExplorer } from './core/circuit-breaker.explorer.js';
import { CircuitBreakerRegistry } from './core/circuit-breaker.registry.js';
import { CircuitOpenFilter } from './core/circuit-open.filter.js';
import { checkAsyncModuleOptions, checkModuleOptions } from './core/resolve-module-options.js';
// …and the optional parts, each doing nothing unless its option is given (the admin API is
// mounted by the module definition, see mount-admin-api.ts).
import { CircuitBreakerHealthIndicator } from './health/circuit-breaker.health.js';
import { CircuitBreakerOpenTelemetryMetrics } from './metrics/circuit-breaker-opentelemetry.metrics.js';
import { CircuitBreakerMetrics } from './metrics/circuit-breaker.metrics.js';
import { CircuitBreakerNotifications } from './notifications/circuit-breaker.notifications.js';
import { CircuitBreakerOutbound } from './outbound/circuit-breaker-outbound.js';
import { CircuitStateSharing } from './store/circuit-state-sharing.js';

/**
 * Circuits for a NestJS application: the registry, `@CircuitBreaker()` methods found and
 * protected at start-up, 503 + `Retry-After` for requests that meet an open circuit, and a
 * Terminus health indicator. Global unless `isGlobal: false`.
 *
 * @example
 * CircuitBreakerModule.forRoot({ defaults: { failureThreshold: 5 }, circuits: { payments: { timeoutMs: 2_000 } } })
 * CircuitBreakerModule.forRootAsync({ inject: [ConfigService], useFactory: (config) => config.get('circuits') })
 * CircuitBreakerModule.forRoot({ admin: { guards: [AdminGuard] } }) // HTTP API + dashboard at /circuit-breakers
 * CircuitBreakerModule.forRoot({ notifications: { webhooks: [{ url, format: 'slack' }] } }) // a POST per state change
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    CircuitBreakerRegistry,
    CircuitBreakerExplorer,
    CircuitBreakerMetadataAccessor,
    CircuitBreakerHealthIndicator,
    CircuitBreakerMetrics,
    CircuitBreakerOpenTelemetryMetrics,
    CircuitStateSharing,
    CircuitBreakerNotifications,
    CircuitBreakerOutbound,
    { provide: APP_FILTER, useClass: CircuitOpenFilter },
  ],
  // The accessor for CircuitBreakerInterceptor, which Nest builds where it is used.
  exports: [
    CircuitBreakerRegistry,
    CircuitBreakerHealthIndicator,
    CircuitBreakerMetadataAccessor,
    CircuitBreakerNotifications,
  ],
})
export class CircuitBreakerModule extends ConfigurableCircuitBreakerModule {
  /** Every option is optional, so is the argument. A mistake in them fails here, at once. */
  static override forRoot(options: typeof CIRCUIT_BREAKER_OPTIONS_TYPE = {}): DynamicModule {
    checkModuleOptions(options);
    return super.forRoot(options);
  }

  /** The options from a factory (checked when it has run) or a class; `admin` beside it. */
  static override forRootAsync(options: typeof CIRCUIT_BREAKER_ASYNC_OPTIONS_TYPE): DynamicModule {
    checkAsyncModuleOptions(options);
    return super.forRootAsync(options);
  }
}
