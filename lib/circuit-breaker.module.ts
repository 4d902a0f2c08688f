import { Module, type DynamicModule, type Provider } from '@nestjs/common';
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
import { CircuitErrorForms } from './core/circuit-error-forms.js';
import { CircuitOpenFilter } from './core/circuit-open.filter.js';
import { CircuitStateLogger } from './core/circuit-state.logger.js';
import { CircuitSnapshots } from './core/circuit-snapshots.js';
import {
  checkAsyncModuleOptions,
  checkFeatureOptions,
  checkModuleOptions,
} from './core/resolve-module-options.js';
import type { CircuitOptions } from './engine/circuit-options.js';
import { featureRegistration, rootRegistration } from './circuit-breaker.registrations.js';
// …and the optional parts, each doing nothing unless its option is given (the admin API is
// mounted by the module definition, see mount-admin-api.ts).
import { CircuitBreakerHealthIndicator } from './health/circuit-breaker.health.js';
import { CircuitBreakerOpenTelemetryMetrics } from './metrics/circuit-breaker-opentelemetry.metrics.js';
import { CircuitBreakerMetrics } from './metrics/circuit-breaker.metrics.js';
import { withMetricsRoute } from './metrics/metrics-route.js';
import { CircuitBreakerNotifications } from './notifications/circuit-breaker.notifications.js';
import { CircuitBreakerOutbound } from './outbound/circuit-breaker-outbound.js';
import { CircuitStateSharing } from './store/circuit-state-sharing.js';

/**
 * Circuits for a NestJS application: the registry, `@CircuitBreaker()` methods found and
 * protected at start-up, 503 + `Retry-After` for requests that meet an open circuit, and a
 * Terminus health indicator. Global unless `isGlobal: false`. Registered once per application,
 * in the root module; feature modules add their circuits with `forFeature()`.
 *
 * @example
 * CircuitBreakerModule.forRoot({ defaults: { failureThreshold: 5 }, circuits: { payments: { timeoutMs: 2_000 } } })
 * CircuitBreakerModule.forRootAsync({ inject: [ConfigService], useFactory: (config) => config.get('circuits') })
 * CircuitBreakerModule.forRoot({ admin: { guards: [AdminGuard] } }) // HTTP API + dashboard at /circuit-breakers
 * CircuitBreakerModule.forRoot({ notifications: { webhooks: [{ url, format: 'slack' }] } }) // a POST per state change
 * CircuitBreakerModule.forFeature({ circuits: { inventory: { timeoutMs: 1_000 } } }) // in a feature module
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    CircuitErrorForms,
    CircuitBreakerRegistry,
    CircuitBreakerExplorer,
    CircuitBreakerMetadataAccessor,
    CircuitStateLogger,
    CircuitSnapshots,
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
    return withMetricsRoute(
      withProviders(
        super.forRoot(options),
        rootRegistration('forRoot', CircuitBreakerModule.forRoot),
      ),
      options.metrics,
    );
  }

  /** The options from a factory (checked when it has run) or a class; `admin` beside it. */
  static override forRootAsync(options: typeof CIRCUIT_BREAKER_ASYNC_OPTIONS_TYPE): DynamicModule {
    checkAsyncModuleOptions(options);
    return withProviders(
      super.forRootAsync(options),
      rootRegistration('forRootAsync', CircuitBreakerModule.forRootAsync),
    );
  }

  /**
   * Options for circuits of a feature module, added to the one registry that the root module's
   * `forRoot()` builds (a name configured in two places fails start-up). Everything else is
   * given to `forRoot()`: a second `forRoot()` fails start-up, naming both.
   */
  static forFeature(options: { circuits: Record<string, CircuitOptions> }): DynamicModule {
    checkFeatureOptions(options);
    return featureRegistration(options.circuits, CircuitBreakerModule.forFeature);
  }
}

function withProviders(definition: DynamicModule, providers: Provider[]): DynamicModule {
  return { ...definition, providers: [...(definition.providers ?? []), ...providers] };
}
