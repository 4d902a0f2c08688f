/** Metadata key under which `@CircuitBreaker()` records its options on a method. */
export const CIRCUIT_BREAKER_METADATA = 'nestjs-circuit-breaker:circuit';
/** Metadata key under which `@CircuitSignal()` records the index of its parameter. */
export const CIRCUIT_SIGNAL_METADATA = 'nestjs-circuit-breaker:signal';
