import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { CircuitBreakerExplorer } from './circuit-breaker.explorer.js';
import { guardObservable } from './protected-call.js';

/**
 * Runs a `@CircuitBreaker()` route handler through its circuit: each request is one call.
 * The decorator applies it; the circuit was resolved at start-up, so a request costs one
 * lookup by handler, never by name.
 */
@Injectable()
export class CircuitBreakerInterceptor implements NestInterceptor {
  constructor(private readonly explorer: CircuitBreakerExplorer) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const protection = this.explorer.routeProtection(context.getHandler());
    if (protection === undefined) return next.handle();
    const { circuit, fallback } = protection;
    return guardObservable(
      circuit,
      () => next.handle(),
      fallback && ((error) => fallback(error, ...context.getArgs())),
    );
  }
}
