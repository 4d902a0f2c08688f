// The engine: plain TypeScript, usable without NestJS. Its public names are listed once, in
// lib/engine/index.ts, which is also the package's `nestjs-circuit-breaker/engine` entry.
export * from './engine/index.js';

// The NestJS module.
export { CircuitBreakerModule } from './circuit-breaker.module.js';
export type { CircuitBreakerModuleOptions } from './circuit-breaker-module-options.interface.js';
export type {
  CircuitBreakerDecoratorOptions,
  CircuitFallback,
} from './core/circuit-breaker-decorator-options.interface.js';
export type { CircuitBreakerRegistryOptions } from './core/circuit-breaker-registry-options.interface.js';
export type { CircuitBreakerSnapshotsOptions } from './core/circuit-breaker-snapshots-options.interface.js';
export { CircuitBreaker } from './core/circuit-breaker.decorator.js';
export { CircuitSignal } from './core/circuit-signal.decorator.js';
export { SkipCircuitBreaker } from './core/skip-circuit-breaker.decorator.js';
export { IdempotentRoute } from './core/idempotent-route.decorator.js';
export { CircuitBreakerInterceptor } from './core/circuit-breaker.interceptor.js';
export { CircuitBreakerRegistry, type CircuitAttachment } from './core/circuit-breaker.registry.js';
export {
  CircuitBreakerHealthIndicator,
  type CircuitHealthOptions,
  type CircuitHealthResult,
  type CircuitHealthDetails,
  type HalfOpenHealth,
  type CircuitPredicate,
} from './health/circuit-breaker.health.js';
export { CircuitOpenFilter } from './core/circuit-open.filter.js';
export {
  CircuitOpenException,
  BulkheadFullException,
  CallTimeoutException,
  asHttpException,
  type CircuitHttpException,
  type CircuitFailureBody,
} from './core/circuit-http-exceptions.js';
export { retryAfterSeconds, setRetryAfter } from './core/retry-after.js';
export { circuitErrorOf, type CircuitFailure } from './core/circuit-error-of.js';
export { UnknownCircuitError } from './core/unknown-circuit.error.js';
export { TooManyCircuitsError } from './core/too-many-circuits.error.js';

// A microservices ClientProxy call through a circuit: client.send(…).pipe(protect(registry, name)).
export { protect } from './microservices/protect.operator.js';

// OpenAPI (@nestjs/swagger): a protected route's 503 (Retry-After) and 504 in the document.
export { ApiCircuitBreakerResponses } from './openapi/api-circuit-breaker-responses.decorator.js';
export type { ApiCircuitBreakerResponsesOptions } from './openapi/circuit-breaker-responses.js';

// The admin API and dashboard: CircuitBreakerModule.forRoot({ admin: { guards: [...] } }).
export type {
  CircuitBreakerAdminOptions,
  CircuitBreakerAdminGuard,
} from './admin/circuit-breaker-admin-options.interface.js';
export { AdminTokenGuard } from './admin/admin-token.guard.js';

// Prometheus metrics: CircuitBreakerModule.forRoot({ metrics: {} }), served with { path: '/metrics' }.
export type {
  CircuitBreakerMetricsOptions,
  CircuitBreakerMetricsGuard,
  PrometheusRegistry,
} from './metrics/circuit-breaker-metrics-options.interface.js';

// OpenTelemetry metrics: CircuitBreakerModule.forRoot({ openTelemetry: {} }).
export type {
  CircuitBreakerOpenTelemetryOptions,
  OpenTelemetryMeter,
} from './metrics/circuit-breaker-opentelemetry-options.interface.js';

// Circuit state shared across replicas: CircuitBreakerModule.forRoot({ store }).
export type {
  CircuitStore,
  FleetCounts,
  FleetMember,
  SharedStateRecord,
} from './store/circuit-store.interface.js';
export type { FleetOptions } from './store/fleet-options.js';
export {
  InMemoryCircuitStore,
  type InMemoryCircuitStoreOptions,
} from './store/in-memory-circuit-store.js';
export {
  RedisCircuitStore,
  type RedisCircuitStoreOptions,
  type RedisClient,
} from './store/redis-circuit-store.js';

// State-change webhooks: CircuitBreakerModule.forRoot({ notifications: { webhooks: [{ url }] } }).
export type {
  CircuitBreakerNotificationsOptions,
  CircuitBreakerWebhook,
  NotificationEvent,
} from './notifications/circuit-breaker-notifications-options.interface.js';
export {
  CircuitBreakerNotifications,
  type NotificationStats,
} from './notifications/circuit-breaker.notifications.js';
export type { WebhookDeliveryStats } from './notifications/webhook-channel.js';

// Outbound calls, one circuit per origin: CircuitBreakerModule.forRoot({ outbound: { httpService: true } }).
export type { CircuitBreakerOutboundOptions } from './outbound/circuit-breaker-outbound-options.interface.js';
export {
  circuitBreakerInterceptor,
  type DispatchInterceptor,
} from './outbound/undici-interceptor.js';
export { circuitBreakerDispatcher } from './outbound/circuit-breaker-dispatcher.js';
export { TooManyOriginsError } from './outbound/too-many-origins.error.js';
