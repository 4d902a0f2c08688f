import type { LoggerService } from '@nestjs/common';
import type { CircuitBreakerSnapshotsOptions } from './core/circuit-breaker-snapshots-options.interface.js';
import type { CircuitBreakerRegistryOptions } from './core/circuit-breaker-registry-options.interface.js';
import type { CircuitBreakerMetricsOptions } from './metrics/circuit-breaker-metrics-options.interface.js';
import type { CircuitBreakerOpenTelemetryOptions } from './metrics/circuit-breaker-opentelemetry-options.interface.js';
import type { CircuitBreakerNotificationsOptions } from './notifications/circuit-breaker-notifications-options.interface.js';
import type { CircuitBreakerOutboundOptions } from './outbound/circuit-breaker-outbound-options.interface.js';
import type { CircuitStore } from './store/circuit-store.interface.js';

/**
 * `CircuitBreakerModule.forRoot()` options: the circuits' (`defaults`, `circuits`,
 * `maxCircuits`) and those of the optional parts. `admin` and `isGlobal` are given beside them.
 */
export interface CircuitBreakerModuleOptions extends CircuitBreakerRegistryOptions {
  /** Prometheus metrics through prom-client (loaded only when this is given). Off by default. */
  metrics?: CircuitBreakerMetricsOptions;
  /**
   * OpenTelemetry metrics through `@opentelemetry/api` (loaded only when this is given), on the
   * global MeterProvider unless a `meter` is given. Off by default; independent of `metrics`.
   */
  openTelemetry?: CircuitBreakerOpenTelemetryOptions;
  /**
   * Shares circuit state between replicas, e.g. `new RedisCircuitStore(redis)`. Default: none,
   * each replica keeps its own state in memory.
   */
  store?: CircuitStore;
  /**
   * How long `store.connect()` (at start-up) and `store.disconnect()` (at shutdown) may take
   * before the application goes on without them, on in-process state, with a warning. Whole
   * milliseconds, default `5000`.
   */
  storeTimeoutMs?: number;
  /**
   * A POST to each webhook when a circuit changes state (JSON, or Slack's `{ text }`), damped
   * per circuit, sent off the call path with a timeout and retries. Off by default.
   */
  notifications?: CircuitBreakerNotificationsOptions;
  /**
   * Where state changes are logged: by default Nest's `Logger` (context `CircuitBreaker`; an
   * opening as a warning with its figures, the rest as information, a flapping circuit once a
   * minute). `false` logs nothing; a `LoggerService` gets the lines instead.
   */
  logger?: false | LoggerService;
  /**
   * Carries the circuits over a restart: restored from `load()` at start-up, handed to `save()`
   * every `saveIntervalMs` (30 s) and at shutdown. Off by default.
   */
  snapshots?: CircuitBreakerSnapshotsOptions;
  /**
   * One circuit per origin for the calls the application makes: `HttpService` (`httpService:
   * true`) and Node's `fetch` (`fetch: 'global'`), no code at the call sites. Off by default.
   */
  outbound?: CircuitBreakerOutboundOptions;
}
