import { Observable, Subscriber, type Observer, type Operator, type Subscription } from 'rxjs';
import { reportCallbackError } from '../engine/report-callback-error.js';

type ObserverOrNext<T> = Partial<Observer<T>> | ((value: T) => void) | null | undefined;

/**
 * An Observable whose subscribers cannot bring the process down. rxjs rethrows an error thrown
 * by a subscriber's callback, or an error that reaches a subscriber without an error callback,
 * on a timer: an uncaught exception, which ends a Node process. Here such an error becomes a
 * process warning (code `CIRCUIT_CALLBACK_ERROR`), as a throwing `onStateChange` does. What
 * `pipe()` makes of it is guarded too: `events$.pipe(map(f)).subscribe(g)`.
 */
export class GuardedObservable<T> extends Observable<T> {
  /** `source` as a guarded Observable. */
  static from<T>(source: Observable<T>): GuardedObservable<T> {
    return new GuardedObservable<T>((subscriber) => source.subscribe(subscriber));
  }

  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const observable = new GuardedObservable<R>();
    observable.source = this;
    observable.operator = operator;
    return observable;
  }

  override subscribe(
    observerOrNext?: ObserverOrNext<T>,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    // rxjs's own subscribers (operators, firstValueFrom…) pass through: they handle their errors.
    if (observerOrNext instanceof Subscriber) return super.subscribe(observerOrNext);
    const observer: Partial<Observer<T>> =
      typeof observerOrNext === 'function' || error || complete
        ? {
            next: typeof observerOrNext === 'function' ? observerOrNext : undefined,
            error: error ?? undefined,
            complete: complete ?? undefined,
          }
        : (observerOrNext ?? {});
    return super.subscribe({
      next: (value) => guarded(() => observer.next?.(value)),
      error: (reason: unknown) =>
        observer.error === undefined ? report(reason) : guarded(() => observer.error!(reason)),
      complete: () => guarded(() => observer.complete?.()),
    });
  }
}

function guarded(callback: () => void): void {
  try {
    callback();
  } catch (error) {
    report(error);
  }
}

function report(error: unknown): void {
  reportCallbackError(error, 'A CircuitBreakerRegistry subscriber');
}
