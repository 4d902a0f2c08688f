import type { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import type { CircuitBreakerOutboundOptions } from './circuit-breaker-outbound-options.interface.js';
import { dispatchThroughCircuits } from './observed-dispatch.js';
import { OutboundCircuits } from './outbound-circuits.js';
import { resolveOutboundOptions } from './resolve-outbound-options.js';
import type { AnyHandler, Dispatch, DispatchOptions } from './undici-dispatch.js';

// Left open, so that it fits the types of whichever undici is installed without importing them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDispatch = (options: any, handler: any) => boolean;
/** What undici's `Dispatcher.compose()` takes. */
export type DispatchInterceptor = (dispatch: AnyDispatch) => AnyDispatch;

/**
 * An undici interceptor that puts each request through its origin's circuit, for a dispatcher
 * of your own: `new Agent().compose(circuitBreakerInterceptor(registry, { defaults }))`. The
 * circuits are built in `registry` (named `outbound:<origin>`), with `outbound`'s options.
 * (`circuitBreakerDispatcher()` does the same without `compose()`'s cost per request.)
 *
 * A refused request is never sent; fetch rejects with its `TypeError('fetch failed')` whose
 * `cause` is the `CircuitOpenError`. A request is never retried here: a body already streamed
 * cannot be sent again (compose undici's own `interceptors.retry()` for that).
 */
export function circuitBreakerInterceptor(
  registry: CircuitBreakerRegistry,
  options?: Omit<CircuitBreakerOutboundOptions, 'httpService' | 'fetch'>,
): DispatchInterceptor {
  return outboundInterceptor(new OutboundCircuits(registry, resolveOutboundOptions(options)));
}

/** The interceptor over circuits already built. */
export function outboundInterceptor(circuits: OutboundCircuits): DispatchInterceptor {
  return (dispatch: Dispatch) => (options: DispatchOptions, handler: AnyHandler) =>
    dispatchThroughCircuits(circuits, dispatch, options, handler);
}
