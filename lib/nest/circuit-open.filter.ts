import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';
import { CircuitOpenError } from '../engine/circuit-open.error.js';

/**
 * Answers an HTTP request that met an open circuit anywhere in its handling with 503, a
 * `Retry-After` header (whole seconds, rounded up, at least 1) and the error's JSON body, on any HTTP
 * adapter. Other transports get the error back unchanged.
 */
@Catch(CircuitOpenError)
export class CircuitOpenFilter implements ExceptionFilter<CircuitOpenError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: CircuitOpenError, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => error);
    const adapter = this.adapterHost.httpAdapter;
    const response: unknown = host.switchToHttp().getResponse();
    // At least a second: a circuit refusing without a known reopening time (forced open, or
    // half-open with its probes taken) is still no place to retry at once.
    adapter.setHeader(
      response,
      'Retry-After',
      String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))),
    );
    adapter.reply(response, error.getResponse(), error.getStatus());
  }
}
