import { from, isObservable, Observable, of, type Subscription } from 'rxjs';
import { CallCancelled } from '../engine/call-cancelled.js';
import { CallTimeoutError } from '../engine/call-timeout.error.js';
import type { Circuit } from '../engine/circuit.js';
import { CircuitOpenError } from '../engine/circuit-open.error.js';
import { CircuitState } from '../engine/circuit-state.js';
import { isPromiseLike } from '../engine/promise-like.js';
import type { CircuitFallback } from './circuit-breaker-options.interface.js';
import type { Method } from './method-dispatch.js';

/**
 * What a decorated method returns, as TypeScript recorded it (`design:returntype`): an
 * Observable, something else, or `unknown` when no type was recorded (none written, or a union).
 */
export type ReturnKind = 'observable' | 'value' | 'unknown';

/**
 * The function that replaces a decorated method: `method` run through `circuit`, with the
 * instance as `this`, falling back when the circuit refuses or the call fails. A method
 * returning an Observable is protected per subscription (see `guardObservable`).
 */
export function protectMethod(
  circuit: Circuit,
  method: Method,
  fallback: CircuitFallback | undefined,
  returns: ReturnKind,
): Method {
  if (returns === 'observable') return protectObservableMethod(circuit, method, fallback);
  if (returns === 'value') return protectValueMethod(circuit, method, fallback);
  return protectUndeclaredMethod(circuit, method, fallback);
}

function protectObservableMethod(
  circuit: Circuit,
  method: Method,
  fallback: CircuitFallback | undefined,
): Method {
  return function (this: unknown, ...args: unknown[]) {
    return guardObservable(
      circuit,
      () => method.apply(this, args) as Observable<unknown>,
      fallback && ((error) => fallback.call(this, error, ...args)),
    );
  };
}

function protectValueMethod(
  circuit: Circuit,
  method: Method,
  fallback: CircuitFallback | undefined,
): Method {
  const guarded = circuit.wrap(method);
  if (fallback === undefined) return guarded;
  return function (this: unknown, ...args: unknown[]) {
    const recover = (error: unknown) => {
      if (!fallsBack(circuit, error)) throw error;
      circuit.reportFallback();
      return fallback.call(this, error, ...args);
    };
    let result: unknown;
    try {
      result = guarded.apply(this, args);
    } catch (error) {
      return recover(error);
    }
    return isPromiseLike(result) ? result.then(undefined, recover) : result;
  };
}

/**
 * A method with no recorded return type (`getQuote() { return this.http.get(url); }`) may
 * return an Observable, whose subscriptions are the calls to count, not the method call. Its
 * first call made while the circuit lets every call through runs the method to find out, and
 * goes to the circuit as the call it is (an Observable: per subscription); later calls take the
 * path found. Until then, a refused call is refused as for a method returning a value.
 */
function protectUndeclaredMethod(
  circuit: Circuit,
  method: Method,
  fallback: CircuitFallback | undefined,
): Method {
  const asValue = protectValueMethod(circuit, method, fallback);
  let found: Method | undefined;
  return function (this: unknown, ...args: unknown[]) {
    if (found !== undefined) return found.apply(this, args);
    const state = circuit.state;
    if (state !== CircuitState.Closed && state !== CircuitState.Disabled) {
      return asValue.apply(this, args);
    }
    let answer: () => unknown;
    try {
      const result = method.apply(this, args);
      if (isObservable(result)) {
        found = protectObservableMethod(circuit, method, fallback);
        return protectObservableMethod(circuit, () => result, fallback).apply(this, args);
      }
      answer = () => result;
    } catch (error) {
      answer = () => {
        throw error;
      };
    }
    found = asValue;
    // The circuit would have run this call as it stands: it counts the outcome as its own.
    return protectValueMethod(circuit, answer, fallback).apply(this, args);
  };
}

/**
 * An Observable that runs `source` through `circuit` once per subscription, lazily: its first
 * value or its completion is the call's success, an error before either its failure. Later
 * values and errors pass through uncounted. Unsubscribing before the outcome frees the call
 * without counting it; a timeout unsubscribes from `source`.
 */
export function guardObservable<T>(
  circuit: Circuit,
  source: () => Observable<T>,
  fallback?: (error: unknown) => unknown,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    let inner: Subscription | undefined;
    let answered = false;
    let cancel: ((reason: CallCancelled) => void) | undefined;
    const call = () =>
      new Promise<void>((resolve, reject) => {
        cancel = reject;
        const answer = () => {
          answered = true;
          resolve();
        };
        inner = source().subscribe({
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
    const refused = (error: unknown) => {
      if (error instanceof CallCancelled) return;
      inner?.unsubscribe();
      if (fallback === undefined || !fallsBack(circuit, error)) return subscriber.error(error);
      circuit.reportFallback();
      subscriber.add(observe<T>(() => fallback(error)).subscribe(subscriber));
    };
    try {
      circuit.execute(call).then(undefined, refused);
    } catch (error) {
      refused(error); // a sync refusal: the circuit had not seen a promise from this source yet
    }
    return () => {
      if (!answered) cancel?.(new CallCancelled());
      inner?.unsubscribe();
    };
  });
}

/** Whether a fallback answers for `error`: a refusal or timeout of this circuit, or a counted failure. */
export function fallsBack(circuit: Circuit, error: unknown): boolean {
  const ownRefusal = error instanceof CircuitOpenError || error instanceof CallTimeoutError;
  if (ownRefusal && error.circuit === circuit.name) return true;
  try {
    return circuit.options.isFailure(error);
  } catch {
    return true; // the circuit counts it as a failure too
  }
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
