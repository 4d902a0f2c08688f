import type { MonoTypeOperatorFunction, Observable } from 'rxjs';
import type { Circuit } from '../engine/circuit.js';
import type { CircuitOptions } from '../engine/circuit-options.js';
import type { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import { guardObservable } from '../core/observable-call.js';

/**
 * An rxjs operator that runs each subscription to its source through a circuit: made for a
 * microservices `ClientProxy`, whose `send()` sends its message when subscribed to.
 *
 * - The reply (the first value, or completion) is the call's success; an error before it, the
 *   call's failure.
 * - An open circuit refuses at once with `CircuitOpenError`: the source is not subscribed to,
 *   so no message is sent.
 * - A call that outlives the circuit's `timeoutMs` fails with `CallTimeoutError`, and the
 *   subscription is dropped: the client forgets the request and a late reply reaches no one.
 *
 * The circuit is resolved once, when the operator is made: keep the operator and pipe every
 * call through it. With a registry, `options` count only when the circuit is built, under the
 * module's `circuits[name]` (as for `@CircuitBreaker()`).
 *
 * `emit()` sends at once, subscribed to or not: protect an event as `defer(() => client.emit(…))`.
 *
 * @example
 * private readonly protection = protect<Order>(this.registry, 'orders-service', { timeoutMs: 2_000 });
 * getOrder(id: string): Observable<Order> {
 *   return this.client.send<Order>('orders.get', id).pipe(this.protection);
 * }
 */
export function protect<T>(circuit: Circuit): MonoTypeOperatorFunction<T>;
export function protect<T>(
  registry: CircuitBreakerRegistry,
  name: string,
  options?: CircuitOptions,
): MonoTypeOperatorFunction<T>;
export function protect<T>(
  circuitOrRegistry: Circuit | CircuitBreakerRegistry,
  name?: string,
  options?: CircuitOptions,
): MonoTypeOperatorFunction<T> {
  // Told apart by the name, not by `instanceof`: a circuit may come from another copy of the package.
  const circuit =
    name === undefined
      ? (circuitOrRegistry as Circuit)
      : (circuitOrRegistry as CircuitBreakerRegistry).getOrCreate(name, options);
  // A source that takes no signal: the circuit builds no AbortController, a timeout unsubscribes.
  return (source: Observable<T>) => guardObservable(circuit, () => source);
}
