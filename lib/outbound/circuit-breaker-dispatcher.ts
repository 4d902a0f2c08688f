import type { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import type { CircuitBreakerOutboundOptions } from './circuit-breaker-outbound-options.interface.js';
import { dispatchThroughCircuits } from './observed-dispatch.js';
import { OutboundCircuits } from './outbound-circuits.js';
import { resolveOutboundOptions } from './resolve-outbound-options.js';
import type { AnyHandler, Dispatch, DispatchOptions } from './undici-dispatch.js';

/** An undici dispatcher, as far as the wrapper uses it (undici is never imported here). */
export interface UndiciDispatcherLike {
  // Left open, so that any undici's dispatcher fits without importing its types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  dispatch(options: any, handler: any): boolean;
  close(...args: never[]): unknown;
  destroy(...args: never[]): unknown;
}

/** undici's `Dispatcher` class, of whichever undici is loaded. */
// A mixin's base must take any arguments.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type DispatcherClass = abstract new (...args: any[]) => object;

type WrapperClass = new (inner: UndiciDispatcherLike, circuits: OutboundCircuits) => object;

/** The wrapper class over each `Dispatcher` class seen (one undici installed: one class). */
const wrapperClasses = new WeakMap<DispatcherClass, WrapperClass>();

/**
 * An undici `Dispatcher` that puts each request through its origin's circuit, then hands it to
 * `dispatcher` (an `Agent`, a `ProxyAgent`, a `Pool` of your own): give it as fetch's
 * `dispatcher`, or to `setGlobalDispatcher()`. The circuits are built in `registry` (named
 * `outbound:<origin>`), with `outbound`'s options. It is what `fetch: 'global'` installs.
 *
 * Unlike `compose(circuitBreakerInterceptor())`, the handler fetch and `request()` give is
 * observed in its own form (the older one, from undici's fetch and `request()`, and Node's fetch up
 * to Node 24): undici neither wraps it nor parses the response's headers.
 * `close()` and `destroy()` close and destroy `dispatcher`. Typed as `dispatcher`, so that it
 * goes wherever that goes; members of its own beyond undici's `Dispatcher` (an Agent's `stats`)
 * are not on the wrapper.
 */
export function circuitBreakerDispatcher<D extends UndiciDispatcherLike>(
  registry: CircuitBreakerRegistry,
  dispatcher: D,
  options?: Omit<CircuitBreakerOutboundOptions, 'httpService' | 'fetch'>,
): D {
  const circuits = new OutboundCircuits(registry, resolveOutboundOptions(options));
  return outboundDispatcher(dispatcherClassOf(dispatcher), dispatcher, circuits) as D;
}

/** The wrapper over circuits already built, as a subclass of `Dispatcher` (the loaded undici's). */
export function outboundDispatcher(
  Dispatcher: DispatcherClass,
  inner: UndiciDispatcherLike,
  circuits: OutboundCircuits,
): UndiciDispatcherLike {
  let Wrapper = wrapperClasses.get(Dispatcher);
  if (Wrapper === undefined) {
    Wrapper = wrapperClassOver(Dispatcher);
    wrapperClasses.set(Dispatcher, Wrapper);
  }
  return new Wrapper(inner, circuits) as UndiciDispatcherLike;
}

function wrapperClassOver(Dispatcher: DispatcherClass): WrapperClass {
  // Extends undici's own class: `compose()`, `request()`, `instanceof Dispatcher` all hold.
  return class CircuitBreakerDispatcher extends Dispatcher {
    readonly #inner: UndiciDispatcherLike;
    readonly #circuits: OutboundCircuits;
    readonly #dispatch: Dispatch;

    constructor(inner: UndiciDispatcherLike, circuits: OutboundCircuits) {
      super();
      this.#inner = inner;
      this.#circuits = circuits;
      this.#dispatch = inner.dispatch.bind(inner);
    }

    dispatch(options: DispatchOptions, handler: AnyHandler): boolean {
      return dispatchThroughCircuits(this.#circuits, this.#dispatch, options, handler);
    }

    close(...args: never[]): unknown {
      return this.#inner.close(...args);
    }

    destroy(...args: never[]): unknown {
      return this.#inner.destroy(...args);
    }
  };
}

/** undici's `Dispatcher` class `dispatcher` descends from: the prototype that has `compose`. */
function dispatcherClassOf(dispatcher: object): DispatcherClass {
  for (let at = Object.getPrototypeOf(dispatcher) as object | null; at !== null;) {
    if (Object.hasOwn(at, 'compose') && Object.hasOwn(at, 'dispatch')) {
      return (at as { constructor: DispatcherClass }).constructor;
    }
    at = Object.getPrototypeOf(at) as object | null;
  }
  throw new TypeError(
    'circuitBreakerDispatcher: expected an undici Dispatcher (an Agent, a Pool, a ProxyAgent…)',
  );
}
