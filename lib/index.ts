// The engine: plain TypeScript, usable without NestJS.
export { Circuit, type StateChangeListener, type WrapOptions } from './engine/circuit.js';
export {
  CircuitState,
  type CircuitStateChange,
  type CircuitTransitionReason,
  type SharedCircuitState,
} from './engine/circuit-state.js';
export type { ProbePermits } from './engine/shared-probes.js';
export {
  DEFAULT_CIRCUIT_OPTIONS,
  type CircuitOptions,
  type ResolvedCircuitOptions,
} from './engine/circuit-options.js';
export type { CircuitStats } from './engine/circuit-stats.js';
export type { CallObserver, CallOutcome } from './engine/call-observer.js';
export { countsAsFailure } from './engine/counts-as-failure.js';
export { CircuitOpenError, isCircuitOpenError } from './engine/errors/circuit-open.error.js';
export { CallTimeoutError, isCallTimeoutError } from './engine/errors/call-timeout.error.js';
export { CircuitOptionsError } from './engine/errors/circuit-options.error.js';

// The NestJS module.
export { CircuitBreakerModule } from './nest/circuit-breaker.module.js';
export type {
  CircuitBreakerModuleOptions,
  CircuitBreakerDecoratorOptions,
  CircuitFallback,
} from './nest/circuit-breaker-options.interface.js';
export { CircuitBreaker } from './nest/circuit-breaker.decorator.js';
export { CircuitSignal } from './nest/circuit-signal.decorator.js';
export { CircuitBreakerRegistry } from './nest/circuit-breaker.registry.js';
export {
  CircuitBreakerHealthIndicator,
  type CircuitHealthOptions,
  type CircuitHealthResult,
  type HalfOpenHealth,
} from './nest/circuit-breaker.health.js';
export { CircuitOpenFilter } from './nest/circuit-open.filter.js';
export { UnknownCircuitError } from './nest/unknown-circuit.error.js';

// The admin API and dashboard: CircuitBreakerModule.forRoot({ admin: { guards: [...] } }).
export type {
  CircuitBreakerAdminOptions,
  CircuitBreakerAdminGuard,
} from './admin/circuit-breaker-admin-options.interface.js';

// Prometheus metrics: CircuitBreakerModule.forRoot({ metrics: {} }).
export type { CircuitBreakerMetricsOptions } from './metrics/circuit-breaker-metrics-options.interface.js';

// Circuit state shared across replicas: CircuitBreakerModule.forRoot({ store }).
export type { CircuitStore, SharedStateRecord } from './store/circuit-store.interface.js';
export { InMemoryCircuitStore } from './store/in-memory-circuit-store.js';
export { RedisCircuitStore, type RedisCircuitStoreOptions } from './store/redis-circuit-store.js';
