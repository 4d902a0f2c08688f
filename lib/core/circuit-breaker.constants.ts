/**
 * The module's options, as every part of the module injects them: `ConfigurableModuleBuilder`
 * provides them under this token. Here, with the core, so that no part needs the module's own
 * file to get them (the module stands above the parts it assembles).
 */
export const CIRCUIT_BREAKER_OPTIONS = Symbol('CIRCUIT_BREAKER_OPTIONS');
/**
 * The options per circuit name: the module's `circuits` and those every
 * `CircuitBreakerModule.forFeature()` adds, each name from one place.
 */
export const CIRCUIT_BREAKER_CONFIGURED_CIRCUITS = Symbol('CIRCUIT_BREAKER_CONFIGURED_CIRCUITS');
/** Metadata key under which `@CircuitBreaker()` records its options on a method. */
export const CIRCUIT_BREAKER_METADATA = 'nestjs-circuit-breaker:circuit';
/** Metadata key under which `@CircuitSignal()` records the index of its parameter. */
export const CIRCUIT_SIGNAL_METADATA = 'nestjs-circuit-breaker:signal';
/** Metadata key under which `@SkipCircuitBreaker()` records whether the interceptor skips a route or controller. */
export const CIRCUIT_BREAKER_SKIP_METADATA = 'nestjs-circuit-breaker:skip';
/** Metadata key under which `@IdempotentRoute()` records that a route may be retried whatever its HTTP method. */
export const IDEMPOTENT_ROUTE_METADATA = 'nestjs-circuit-breaker:idempotent';
