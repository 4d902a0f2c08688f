import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';
import { BulkheadFullError } from '../engine/errors/bulkhead-full.error.js';
import { CallTimeoutError } from '../engine/errors/call-timeout.error.js';
import { CircuitOpenError } from '../engine/errors/circuit-open.error.js';
import {
  asHttpException,
  type CircuitFailureBody,
  type CircuitHttpException,
} from './circuit-http-exceptions.js';
import { circuitErrorOf, type CircuitFailure } from './circuit-error-of.js';
import { CircuitFailedFetch } from './circuit-failed-fetch.js';
import { retryAfterSeconds } from './retry-after.js';

/**
 * Answers a call that met an open circuit, or timed out through one, anywhere in its handling,
 * on every transport Nest serves:
 *
 * - HTTP (Express, Fastify): 503 with `Retry-After` (whole seconds, rounded up, at least 1), or
 *   504, and a JSON body naming the circuit; a response already under way is ended quietly, as
 *   Nest's own filter does;
 * - GraphQL: an error whose `extensions` say `SERVICE_UNAVAILABLE` (or `GATEWAY_TIMEOUT`), the
 *   circuit and `retryAfterMs`, rather than an internal server error;
 * - microservices: the same body as HTTP, as the error the client receives.
 *
 * The errors are told by their brand (`instanceof` reads it): the `HttpException` forms the
 * circuits make in an app with the module, and the engine's own errors, of another copy of the
 * package too.
 *
 * A request `fetch` made through an open origin fails as `TypeError('fetch failed')` whose
 * `cause` is the circuit's error: that one is answered for its cause. Any other `TypeError` is
 * not this filter's (see `CircuitFailedFetch`).
 */
@Catch(CircuitOpenError, BulkheadFullError, CallTimeoutError, CircuitFailedFetch)
export class CircuitOpenFilter implements ExceptionFilter<CircuitFailure | TypeError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(caught: CircuitFailure | TypeError, host: ArgumentsHost): unknown {
    const error = circuitErrorOf(caught)!;
    const exception = asHttpException(error) as CircuitHttpException;
    const body = exception.getResponse() as CircuitFailureBody;
    switch (host.getType<string>()) {
      case 'http':
        return this.reply(exception, body, host);
      case 'graphql':
        return graphqlError(body);
      case 'rpc':
        return throwError(() => body);
      default:
        return throwError(() => error) as Observable<never>;
    }
  }

  private reply(exception: unknown, body: CircuitFailureBody, host: ArgumentsHost): void {
    const adapter = this.adapterHost.httpAdapter;
    const response: unknown = host.switchToHttp().getResponse();
    // Met after the handler began its answer (a stream, `@Res()`): too late for a status.
    if (adapter.isHeadersSent(response)) return void adapter.end(response);
    const seconds = retryAfterSeconds(exception);
    if (seconds !== undefined) adapter.setHeader(response, 'Retry-After', String(seconds));
    adapter.reply(response, body, body.statusCode);
  }
}

/**
 * An error for GraphQL: a resolver's returned Error is its error, and graphql-js takes an
 * original error's `extensions` as its own, so no import of graphql is needed.
 */
function graphqlError({ statusCode, message, circuit, retryAfterMs }: CircuitFailureBody): Error {
  const code = statusCode === 503 ? 'SERVICE_UNAVAILABLE' : 'GATEWAY_TIMEOUT';
  return Object.assign(new Error(message), {
    extensions: { code, circuit, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
  });
}
