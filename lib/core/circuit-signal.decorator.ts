import 'reflect-metadata';
import { CIRCUIT_SIGNAL_METADATA } from './circuit-breaker.constants.js';

/**
 * Marks the parameter of a `@CircuitBreaker()` method that receives the call's `AbortSignal`:
 * aborted when the circuit's `timeoutMs` runs out, so that the method can stop its request (a
 * timed-out call would otherwise keep its socket and its work going). Without `timeoutMs` the
 * parameter is left as the caller gave it; a signal the caller passes there is followed too.
 * Methods without it pay nothing.
 *
 * @example
 * \@CircuitBreaker({ name: 'inventory', timeoutMs: 1_000 })
 * async stock(sku: string, @CircuitSignal() signal?: AbortSignal): Promise<Stock> {
 *   return (await fetch(`${this.url}/stock/${sku}`, { signal })).json();
 * }
 */
export function CircuitSignal(): ParameterDecorator {
  return (target, key, index) => {
    const where = `${(target as { constructor?: { name?: string } }).constructor?.name}.${String(key)}`;
    if (key === undefined) {
      throw new TypeError('@CircuitSignal() marks a parameter of a method, not of a constructor');
    }
    if (Reflect.hasOwnMetadata(CIRCUIT_SIGNAL_METADATA, target, key)) {
      throw new TypeError(`@CircuitSignal() marks one parameter of ${where}, not two`);
    }
    Reflect.defineMetadata(CIRCUIT_SIGNAL_METADATA, index, target, key);
  };
}
