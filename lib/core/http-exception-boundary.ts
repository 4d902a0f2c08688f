import { catchError, isObservable, throwError, type Observable } from 'rxjs';
import { asHttpException, rethrowAsHttpException } from './circuit-http-exceptions.js';
import type { Method } from './method-dispatch.js';

/**
 * Where the module hands a call back to Nest (a decorated method, the interceptor), a circuit's
 * refusal or timeout leaves as its `HttpException` form, so that any exception filter, the
 * catch-all one of the NestJS docs included, answers 503 or 504 rather than 500. The engine
 * stays framework-free: it throws its own errors, turned here, on the error path only.
 */
export function throwingHttpExceptions(method: Method): Method {
  return function (this: unknown, ...args: unknown[]) {
    let result: unknown;
    try {
      result = method.apply(this, args);
    } catch (error) {
      throw asHttpException(error);
    }
    if (result instanceof Promise) return result.then(undefined, rethrowAsHttpException);
    return isObservable(result) ? erroringHttpExceptions(result) : result;
  };
}

/** `source`, whose error, if a circuit's refusal or timeout, is its `HttpException` form. */
export function erroringHttpExceptions<T>(source: Observable<T>): Observable<T> {
  return source.pipe(catchError((error: unknown) => throwError(() => asHttpException(error))));
}
