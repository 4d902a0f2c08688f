import { Catch, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ApplicationConfig, BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';
import { BulkheadFullError } from '../engine/errors/bulkhead-full.error.js';
import { CallTimeoutError } from '../engine/errors/call-timeout.error.js';
import { CircuitOpenError } from '../engine/errors/circuit-open.error.js';
import {
  asHttpException,
  presentErrorsAsHttpExceptions,
  type CircuitFailureBody,
  type CircuitHttpException,
} from './circuit-http-exceptions.js';
import { circuitErrorOf, type CircuitFailure } from './circuit-error-of.js';
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
 * It also catches `TypeError`, the form `fetch` gives every failed request: one whose `cause` is
 * a circuit error (a refusal by the outbound interceptor) is answered for that cause; any other
 * is handled exactly as if this filter did not exist (over HTTP by Nest's own filter, elsewhere
 * left to Nest by returning nothing).
 */
@Catch(CircuitOpenError, BulkheadFullError, CallTimeoutError, TypeError)
export class CircuitOpenFilter implements ExceptionFilter<CircuitFailure | TypeError> {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Optional() private readonly config?: ApplicationConfig,
  ) {
    // Built with every app that imports the module: from here on, what reaches Nest (and any
    // filter of the app's own) is an HttpException.
    presentErrorsAsHttpExceptions();
  }

  catch(caught: CircuitFailure | TypeError, host: ArgumentsHost): unknown {
    const error = caught instanceof TypeError ? circuitErrorOf(caught.cause) : caught;
    if (error === undefined) return this.passOn(caught, host);
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

  /**
   * What Nest does with `error` when this filter is not there: the next global filter that
   * catches it (the app's catch-all, say), else, over HTTP, Nest's own filter (500).
   */
  private passOn(error: TypeError, host: ArgumentsHost): unknown {
    const next = this.nextGlobalFilter(error);
    if (next !== undefined) return next.catch(error, host);
    if (host.getType() === 'http') {
      new BaseExceptionFilter(this.adapterHost.httpAdapter).catch(error, host);
    }
    // GraphQL, microservices, WebSockets: nothing returned is "not handled", Nest's own follows.
    return undefined;
  }

  /**
   * The global filter Nest would pick after this one: it tries them last registered first, so
   * those registered before this one, nearest first (route and controller filters came before).
   */
  private nextGlobalFilter(error: unknown): ExceptionFilter | undefined {
    const filters = (this.config?.getGlobalFilters() ?? []) as ExceptionFilter[];
    for (let index = filters.indexOf(this) - 1; index >= 0; index--) {
      const filter = filters[index]!;
      const types = (Reflect.getMetadata(CATCH_METADATA, filter.constructor) ?? []) as Array<
        abstract new (...args: never[]) => unknown
      >;
      if (types.length === 0 || types.some((type) => error instanceof type)) return filter;
    }
    return undefined;
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

/** Where `@Catch()` keeps its exception types (Nest's FILTER_CATCH_EXCEPTIONS, not exported). */
const CATCH_METADATA = '__filterCatchExceptions__';

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
