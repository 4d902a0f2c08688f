import { from, isObservable, Observable, of, type Subscription } from 'rxjs';
import { CALL_CANCELLED } from '../engine/call-cancelled.js';
import { isBulkheadFullError } from '../engine/errors/bulkhead-full.error.js';
import { isCallTimeoutError } from '../engine/errors/call-timeout.error.js';
import type { Circuit } from '../engine/circuit.js';
import { isCircuitOpenError } from '../engine/errors/circuit-open.error.js';
import { CircuitState } from '../engine/circuit-state.js';
import { asPromise, isPromiseLike } from '../engine/promise-like.js';
import type { CircuitFallback } from './circuit-breaker-decorator-options.interface.js';
import type { Method } from './method-dispatch.js';

/**
 * What a decorated method returns, as its declaration tells: an Observable, a promise (an
 * `async` method, or a declared `Promise`), a plain value (any other declared type), or
 * `unknown` when nothing was recorded (no type written, a union, an interface).
 */
export type ReturnKind = 'observable' | 'promise' | 'value' | 'unknown';

/** How a protected method is built: its circuit, the method as written, and what surrounds it. */
interface ProtectedMethodSpec {
  circuit: Circuit;
  method: Method;
  fallback: CircuitFallback | undefined;
  returns: ReturnKind;
  /** The index of the parameter marked `@CircuitSignal()`, if any. */
  signalAt: number | undefined;
}

/**
 * The function that replaces a decorated method: `method` run through `circuit`, with the
 * instance as `this`, falling back when the circuit refuses or the call fails. A method that
 * returns a promise never throws, even when refused; one that returns a plain value stays sync
 * and throws; a method returning an Observable is protected per subscription.
 */
export function protectMethod(spec: ProtectedMethodSpec): Method {
  switch (spec.returns) {
    case 'observable':
      return protectObservableMethod(spec);
    case 'promise':
      return protectPromiseMethod(spec);
    case 'value':
      return protectSyncMethod(spec);
    default:
      return protectUndeclaredMethod(spec);
  }
}

function protectPromiseMethod({
  circuit,
  method,
  fallback,
  signalAt,
}: ProtectedMethodSpec): Method {
  const guarded = circuit.wrap(method, { signalAt });
  if (fallback === undefined) return guarded;
  return function (this: unknown, ...args: unknown[]) {
    return guarded.apply(this, args).then(undefined, recovery(circuit, fallback, this, args));
  };
}

function protectSyncMethod({ circuit, method, fallback, signalAt }: ProtectedMethodSpec): Method {
  const guarded = circuit.wrapSync(method, { signalAt });
  if (fallback === undefined) return guarded;
  // The recovery is built only where an error is handled: never on a plain success.
  return function (this: unknown, ...args: unknown[]) {
    let result: unknown;
    try {
      result = guarded.apply(this, args);
    } catch (error) {
      return recovery(circuit, fallback, this, args)(error);
    }
    // Declared as a value, yet a promise came: its failure falls back too.
    const promise = asPromise(result);
    return promise === undefined
      ? result
      : promise.then(undefined, recovery(circuit, fallback, this, args));
  };
}

/**
 * A method with no recorded return type (`getQuote() { return this.http.get(url); }`) may
 * return an Observable, whose subscriptions are the calls to count, not the method call, or a
 * promise, whose refusals must then be rejections. Its first call made while the circuit lets
 * every call through runs the method to find out, and goes to the circuit as the call it is;
 * later calls take the path found. Until then, a refused call throws, as for a sync method.
 */
function protectUndeclaredMethod(spec: ProtectedMethodSpec): Method {
  const { circuit, method } = spec;
  const asValue = protectSyncMethod(spec);
  let found: Method | undefined;
  return function (this: unknown, ...args: unknown[]) {
    if (found !== undefined) return found.apply(this, args);
    const state = circuit.state;
    if (state !== CircuitState.Closed && state !== CircuitState.Disabled) {
      return asValue.apply(this, args);
    }
    let answer: Method;
    let promised = false;
    try {
      const result = method.apply(this, args);
      if (isObservable(result)) {
        found = protectObservableMethod(spec);
        return protectObservableMethod({ ...spec, method: () => result }).apply(this, args);
      }
      answer = () => result;
      // Only a look at `then`: the circuit adopts the result, calling it once.
      promised = isPromiseLike(result);
    } catch (error) {
      answer = () => {
        throw error;
      };
    }
    found = promised ? protectPromiseMethod(spec) : asValue;
    // The circuit would have run this call as it stands: it counts the outcome as its own.
    const path = promised ? protectPromiseMethod : protectSyncMethod;
    return path({ ...spec, method: answer, signalAt: undefined }).apply(this, args);
  };
}

function protectObservableMethod({
  circuit,
  method,
  fallback,
  signalAt,
}: ProtectedMethodSpec): Method {
  return function (this: unknown, ...args: unknown[]) {
    // Without `@CircuitSignal()` the source takes no signal, so that none is built for it.
    const source =
      signalAt === undefined
        ? () => method.apply(this, args) as Observable<unknown>
        : (signal: AbortSignal | undefined) => {
            if (signal !== undefined) args[signalAt] = signal;
            return method.apply(this, args) as Observable<unknown>;
          };
    return guardObservable(
      circuit,
      source,
      fallback && ((error) => fallback.call(this, error, ...args)),
    );
  };
}

/**
 * An Observable that runs `source` through `circuit` once per subscription, lazily: its first
 * value or its completion is the call's success, an error before either its failure. Later
 * values and errors pass through uncounted. Unsubscribing before the outcome frees the call
 * without counting it; a timeout unsubscribes from `source` and aborts the signal it was given.
 * A `source` that declares no parameter gets no signal: a timed circuit then builds none.
 */
export function guardObservable<T>(
  circuit: Circuit,
  source: (signal: AbortSignal | undefined) => Observable<T>,
  fallback?: (error: unknown) => unknown,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    let inner: Subscription | undefined;
    let answered = false;
    let cancel: ((reason: typeof CALL_CANCELLED) => void) | undefined;
    const subscribe = (signal: AbortSignal | undefined) =>
      new Promise<void>((resolve, reject) => {
        cancel = reject;
        const answer = () => {
          answered = true;
          resolve();
        };
        inner = source(signal).subscribe({
          next: (value) => {
            answer();
            subscriber.next(value);
          },
          error: (error: unknown) => (answered ? subscriber.error(error) : reject(error)),
          complete: () => {
            answer();
            subscriber.complete();
          },
        });
      });
    // The circuit builds an AbortController for a timed call only when its function declares a
    // parameter: none for a source that reads no signal. A timeout still unsubscribes, below.
    const call = source.length === 0 ? () => subscribe(undefined) : subscribe;
    circuit.execute(call).then(undefined, (error: unknown) => {
      if (error === CALL_CANCELLED) return;
      inner?.unsubscribe();
      if (fallback === undefined || !fallsBack(circuit, error)) return subscriber.error(error);
      circuit.reportFallback();
      subscriber.add(observe<T>(() => fallback(error)).subscribe(subscriber));
    });
    return () => {
      if (!answered) cancel?.(CALL_CANCELLED);
      inner?.unsubscribe();
    };
  });
}

/**
 * Whether a fallback answers for `error`: a refusal (of the circuit or its bulkhead) or a
 * timeout of this circuit, or a counted failure.
 */
function fallsBack(circuit: Circuit, error: unknown): boolean {
  try {
    const own =
      isCircuitOpenError(error) || isBulkheadFullError(error) || isCallTimeoutError(error);
    if (own && (error as { circuit: string }).circuit === circuit.name) return true;
    return circuit.options.isFailure(error);
  } catch {
    return true; // the circuit counts it as a failure too
  }
}

/** What answers a failed call of `args`: the fallback's result, or the error again. */
function recovery(
  circuit: Circuit,
  fallback: CircuitFallback,
  self: unknown,
  args: unknown[],
): (error: unknown) => unknown {
  return (error) => {
    if (!fallsBack(circuit, error)) throw error;
    circuit.reportFallback();
    return fallback.call(self, error, ...args);
  };
}

function observe<T>(produce: () => unknown): Observable<T> {
  return new Observable<T>((subscriber) => {
    const result = produce();
    const source =
      isObservable(result) || isPromiseLike(result)
        ? from(result as PromiseLike<T>)
        : of(result as T);
    return source.subscribe(subscriber);
  });
}
