// The same package from CommonJS (the `require` condition's .d.ts).
import { CircuitBreakerModule, type CircuitBreakerModuleOptions } from 'nestjs-circuit-breaker';
import { Circuit, isCircuitOpenError, type CircuitStats } from 'nestjs-circuit-breaker/engine';

const options: CircuitBreakerModuleOptions = { defaults: { failureThreshold: 3 } };
export const circuitBreakers = CircuitBreakerModule.forRoot(options);

export function statsOf(circuit: Circuit): CircuitStats {
  return circuit.stats();
}

export function retryAfter(error: unknown): number | undefined {
  return isCircuitOpenError(error) ? error.retryAfterMs : undefined;
}
