import { SetMetadata } from '@nestjs/common';
import { IDEMPOTENT_ROUTE_METADATA } from './circuit-breaker.constants.js';

/**
 * Says that running a route's handler twice for one request does no harm (it takes an
 * idempotency key, say), so that its circuit may retry it. Route-level protection (the
 * interceptor, `@CircuitBreaker()` on a route handler) retries only GET, HEAD, OPTIONS, PUT
 * and DELETE routes otherwise: a POST retried after a timeout would run twice. On a controller,
 * it covers every route; `@IdempotentRoute(false)` on a route takes it back.
 *
 * @example
 * \@Post()
 * \@CircuitBreaker({ retry: { attempts: 3 } })
 * \@IdempotentRoute()
 * upsert(\@Headers('idempotency-key') key: string) { ... }
 */
export const IdempotentRoute = (idempotent = true): ClassDecorator & MethodDecorator =>
  SetMetadata(IDEMPOTENT_ROUTE_METADATA, idempotent);
