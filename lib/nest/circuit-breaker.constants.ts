/** Metadata key under which `@CircuitBreaker()` records its options on a method. */
export const CIRCUIT_BREAKER_METADATA = 'nestjs-circuit-breaker:circuit';
