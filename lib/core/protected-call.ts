import { isObservable, type Observable } from 'rxjs';
import { NO_SIGNAL, signalIn } from '../engine/call-signal.js';
import type { Circuit } from '../engine/circuit.js';
import { CircuitState } from '../engine/circuit-state.js';
import { asPromise } from '../engine/promise-like.js';
import type { CircuitFallback } from './circuit-breaker-decorator-options.interface.js';
import type { Method } from './method-dispatch.js';
import { fallsBack, guardObservable } from './observable-call.js';

export { guardObservable };

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
    return guarded
      .apply(this, args)
      .then(undefined, recovery(circuit, fallback, this, args, signalAt));
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
      return recovery(circuit, fallback, this, args, signalAt)(error);
    }
    // Declared as a value, yet a thenable came: the circuit read its `then` and answered with a
    // promise of its own, whose failure falls back too. Anything else the circuit took for a
    // value (reading `then` again could say otherwise).
    return result instanceof Promise
      ? result.then(undefined, recovery(circuit, fallback, this, args, signalAt))
      : result;
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
    let first: () => unknown;
    let promised = false;
    try {
      const result = method.apply(this, args);
      if (isObservable(result)) {
        found = protectObservableMethod(spec);
        return protectObservableMethod({ ...spec, method: () => result }).apply(this, args);
      }
      // `then` read once, here: the circuit then gets the promise adopting it (a native one,
      // which it takes as it is), so a getter answering otherwise later changes nothing.
      const promise = readThen(result);
      promised = promise !== undefined;
      first = () => promise ?? result;
    } catch (error) {
      first = () => {
        throw error;
      };
    }
    found = promised ? protectPromiseMethod(spec) : asValue;
    // The circuit would have run this call as it stands: it counts the outcome as its own.
    const path = promised ? protectPromiseMethod : protectSyncMethod;
    return path({ ...spec, method: answeredOnce(first, method) }).apply(this, args);
  };
}

/** `value` adopted as a promise when it is a thenable; a value whose `then` cannot be read is none. */
function readThen(value: unknown): Promise<unknown> | undefined {
  try {
    return asPromise(value);
  } catch {
    return undefined;
  }
}

/**
 * The method whose first call already ran: its first attempt answers what that call gave; a
 * retry calls the method again, as every attempt must reach the dependency.
 */
function answeredOnce(first: () => unknown, method: Method): Method {
  let answered = false;
  return function (this: unknown, ...args: unknown[]) {
    if (answered) return method.apply(this, args);
    answered = true;
    return first();
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
    if (signalAt === undefined) {
      return guardObservable(
        circuit,
        () => method.apply(this, args) as Observable<unknown>,
        fallback && ((error) => fallback.call(this, error, ...args)),
      );
    }
    // Each attempt its own arguments: the caller's stay as given, for the next subscription.
    const source = (signal: AbortSignal | undefined) => {
      if (signal === undefined) return method.apply(this, args) as Observable<unknown>;
      const attemptArgs = [...args];
      attemptArgs[signalAt] = signal;
      return method.apply(this, attemptArgs) as Observable<unknown>;
    };
    return guardObservable(
      circuit,
      source,
      fallback && ((error) => fallback.call(this, error, ...args)),
      signalIn(args, signalAt),
    );
  };
}

/**
 * What answers a failed call of `args`: the fallback's result, or the error again. A call whose
 * caller's signal (at `signalAt`) has aborted gets its error: the caller gave up, and the
 * circuit did not count it.
 */
function recovery(
  circuit: Circuit,
  fallback: CircuitFallback,
  self: unknown,
  args: unknown[],
  signalAt?: number,
): (error: unknown) => unknown {
  return (error) => {
    const callersAbort = signalIn(args, signalAt ?? NO_SIGNAL)?.aborted === true;
    if (callersAbort || !fallsBack(circuit, error)) throw error;
    circuit.reportFallback();
    return fallback.call(self, error, ...args);
  };
}
