import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';
import { BulkheadFullError } from '../engine/errors/bulkhead-full.error.js';
import { CallTimeoutError, isCallTimeoutError } from '../engine/errors/call-timeout.error.js';
import { CircuitOpenError, isCircuitOpenError } from '../engine/errors/circuit-open.error.js';

/** What a caller outside the process is told of a refusal or a timeout, as JSON. */
interface CircuitFailureBody {
  statusCode: 503 | 504;
  error: 'Service Unavailable' | 'Gateway Timeout';
  message: string;
  circuit: string;
  /** A refusal's: when to retry. */
  retryAfterMs?: number;
}

/**
 * Answers a call that met an open circuit, or timed out through one, anywhere in its handling,
 * on every transport Nest serves:
 *
 * - HTTP (Express, Fastify): 503 with `Retry-After` (whole seconds, rounded up, at least 1), or
 *   504, and a JSON body naming the circuit;
 * - GraphQL: an error whose `extensions` say `SERVICE_UNAVAILABLE` (or `GATEWAY_TIMEOUT`), the
 *   circuit and `retryAfterMs`, rather than an internal server error;
 * - microservices: the same body as HTTP, as the error the client receives.
 *
 * The errors are told by their brand (`instanceof` reads it): those of another copy of the
 * package, the CommonJS build beside the ESM one, are answered too.
 */
@Catch(CircuitOpenError, BulkheadFullError, CallTimeoutError)
export class CircuitOpenFilter implements ExceptionFilter<CircuitFailure> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: CircuitFailure, host: ArgumentsHost): unknown {
    const body = bodyOf(error);
    switch (host.getType<string>()) {
      case 'http':
        return this.reply(body, host);
      case 'graphql':
        return graphqlError(body);
      case 'rpc':
        return throwError(() => body);
      default:
        return throwError(() => error) as Observable<never>;
    }
  }

  private reply(body: CircuitFailureBody, host: ArgumentsHost): void {
    const adapter = this.adapterHost.httpAdapter;
    const response: unknown = host.switchToHttp().getResponse();
    if (body.retryAfterMs !== undefined) {
      // At least a second: a circuit refusing without a known reopening time (forced open, or
      // half-open with its probes taken) is still no place to retry at once.
      const seconds = Math.max(1, Math.ceil(body.retryAfterMs / 1000));
      adapter.setHeader(response, 'Retry-After', String(seconds));
    }
    adapter.reply(response, body, body.statusCode);
  }
}

/** What the filter answers: a refusal of the circuit or of its bulkhead, or a timeout. */
type CircuitFailure = CircuitOpenError | BulkheadFullError | CallTimeoutError;

function bodyOf(error: CircuitFailure): CircuitFailureBody {
  const { circuit, message } = error;
  if (isCallTimeoutError(error)) {
    return { statusCode: 504, error: 'Gateway Timeout', message, circuit };
  }
  // A full bulkhead has no known time when a place frees: Retry-After says the least, a second.
  const retryAfterMs = isCircuitOpenError(error) ? error.retryAfterMs : 0;
  return { statusCode: 503, error: 'Service Unavailable', message, circuit, retryAfterMs };
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
