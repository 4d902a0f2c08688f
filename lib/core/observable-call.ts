import { from, isObservable, Observable, of, type Subscription } from 'rxjs';
import { CALL_CANCELLED } from '../engine/call-cancelled.js';
import { whenAborted } from '../engine/call-signal.js';
import type { Circuit } from '../engine/circuit.js';
import { isBulkheadFullError } from '../engine/errors/bulkhead-full.error.js';
import { isCallTimeoutError } from '../engine/errors/call-timeout.error.js';
import { isCircuitOpenError } from '../engine/errors/circuit-open.error.js';
import { isPromiseLike } from '../engine/promise-like.js';

/**
 * An Observable that runs `source` through `circuit` once per subscription, lazily: its first
 * value or its completion is the call's success, an error before either its failure. Later
 * values and errors pass through uncounted. Each attempt (one, or one per retry) is one
 * subscription of `source`, and only one is subscribed at a time: a failed or timed-out attempt
 * is unsubscribed at once and its late values never reach the subscriber. Unsubscribing ends
 * everything the call still holds: the live attempt (freed without being counted), its place in
 * the bulkhead's queue, a pending retry. A `source` that declares no parameter gets no signal:
 * a timed circuit without retry then builds none.
 *
 * `callerSignal` (the one a caller passed in a `@CircuitSignal()` place) is followed as a promise
 * call follows it, until the call answers: its abort aborts the attempt's signal with its reason
 * and ends the call uncounted, without retry or fallback; the subscriber gets that reason.
 */
export function guardObservable<T>(
  circuit: Circuit,
  source: (signal: AbortSignal | undefined) => Observable<T>,
  fallback?: (error: unknown) => unknown,
  callerSignal?: AbortSignal,
): Observable<T> {
  const { retry, maxConcurrent, timeoutMs } = circuit.options;
  // Where a call can wait (for a place, for a retry), a subscriber that leaves ends the wait.
  const waits = retry !== undefined || maxConcurrent !== undefined;
  // The call's signal: a timed call's own follows it; without one, the source keeps the caller's.
  const given = waits || timeoutMs === undefined ? undefined : callerSignal;
  // A retried attempt learns that it timed out from its signal: only the circuit's promise
  // says so, and with retries that promise is not the caller's.
  const needsSignal = source.length > 0 || retry !== undefined;
  return new Observable<T>((subscriber) => {
    if (callerSignal?.aborted) return subscriber.error(callerSignal.reason);
    const departure = waits ? new AbortController() : undefined;
    let answered = false;
    /** Ends the attempt subscribed now (if any) and lets its promise go. */
    let endLive: (() => void) | undefined;
    const attempt = (signal: AbortSignal | undefined) =>
      new Promise<void>((resolve, reject) => {
        endLive?.(); // the attempt before failed: nothing of it stays subscribed
        if (subscriber.closed || signal?.aborted) return reject(CALL_CANCELLED);
        let inner: Subscription | undefined = undefined; // read by `end` while subscribing
        let over = false;
        const stopWatching = () => signal?.removeEventListener('abort', end);
        // Timed out, abandoned by a deadline or by its subscriber: uncounted here (a timeout
        // is counted by the circuit already).
        const end = () => {
          if (endLive === end) endLive = undefined;
          if (over) return;
          over = true;
          stopWatching();
          inner?.unsubscribe();
          reject(CALL_CANCELLED);
        };
        const answer = () => {
          if (answered) return;
          answered = true;
          stopWatching();
          resolve();
        };
        endLive = end;
        signal?.addEventListener('abort', end, { once: true });
        inner = source(signal).subscribe({
          next: (value) => {
            if (over) return;
            answer();
            subscriber.next(value);
          },
          error: (error: unknown) => {
            if (over) return;
            if (answered) return subscriber.error(error);
            over = true;
            stopWatching();
            if (endLive === end) endLive = undefined;
            reject(error);
          },
          complete: () => {
            if (over) return;
            answer();
            subscriber.complete();
          },
        });
        if (over) inner.unsubscribe(); // ended while subscribing
      });
    const call = needsSignal ? attempt : () => attempt(undefined);
    const signal = departure?.signal ?? given;
    const outcome = circuit.execute(call, signal && { signal });
    // After the circuit's own reaction to the caller's signal (if it follows it), so that the
    // attempt's signal has aborted by the time the subscriber hears.
    const unfollow =
      callerSignal &&
      whenAborted(callerSignal, (reason) => {
        departure?.abort(reason);
        endLive?.();
        subscriber.error(reason);
      });
    outcome.then(unfollow, (error: unknown) => {
      unfollow?.();
      endLive?.();
      if (error === CALL_CANCELLED || subscriber.closed) return;
      if (fallback === undefined || !fallsBack(circuit, error)) return subscriber.error(error);
      circuit.reportFallback();
      subscriber.add(observe<T>(() => fallback(error)).subscribe(subscriber));
    });
    return () => {
      unfollow?.();
      departure?.abort(CALL_CANCELLED);
      endLive?.();
    };
  });
}

/**
 * Whether a fallback answers for `error`: a refusal (of the circuit or its bulkhead) or a
 * timeout of this circuit, or a counted failure.
 */
export function fallsBack(circuit: Circuit, error: unknown): boolean {
  try {
    const own =
      isCircuitOpenError(error) || isBulkheadFullError(error) || isCallTimeoutError(error);
    if (own && (error as { circuit: string }).circuit === circuit.name) return true;
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
